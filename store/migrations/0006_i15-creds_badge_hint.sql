-- 0006 (i15-creds): a badge's hint shows at most two characters. badges.last4
-- held the last four characters of the canonical ID, which for an EM-Marine
-- card ("EM:088,15793") is four of its five number digits. The column keeps
-- its name (bundles and older tools know it) and now holds the last two.
UPDATE badges SET last4 = substr(last4, -2) WHERE length(last4) > 2;

-- A matrix version far ahead of the clock (a bundle "from the year 2100" or
-- 2^63-1, imported before versions were bounded) blocks every real bundle
-- and can overflow on the next edit. Such a version restarts from now: the
-- till is starting, so no snapshot holder keeps the old number.
UPDATE matrix_meta SET version = CAST(strftime('%s', 'now') AS INTEGER)
	WHERE typeof(version) <> 'integer' OR version > CAST(strftime('%s', 'now') AS INTEGER) + 86400;
