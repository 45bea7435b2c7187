-- 0004 (i15-creds): a badge's hint shows at most two characters. badges.last4
-- held the last four characters of the canonical ID, which for an EM-Marine
-- card ("EM:088,15793") is four of its five number digits. The column keeps
-- its name (bundles and older tools know it) and now holds the last two.
UPDATE badges SET last4 = substr(last4, -2) WHERE length(last4) > 2;
