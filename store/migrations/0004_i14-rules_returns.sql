-- 0004 (i14-rules): returns by receipt are held to the receipt.
-- A return line names the sale line it takes back, so what was already
-- returned of each line adds up across several return bills; the sale's
-- returns are found through an index on bills.return_of (partial: sale
-- bills have none). approved_by keeps the supervisor whose one approval
-- covers a whole return (the return and its payout), across a restart.
-- ADD COLUMN does not rewrite the table; the index reads bills only.
ALTER TABLE bill_lines ADD COLUMN return_of_line INTEGER REFERENCES bill_lines(id);
ALTER TABLE bills ADD COLUMN approved_by INTEGER REFERENCES users(id);
CREATE INDEX bills_return_of ON bills(return_of) WHERE return_of IS NOT NULL;
