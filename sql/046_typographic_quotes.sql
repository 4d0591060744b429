-- 046_typographic_quotes: the seed's step name 领取"三证"和户口迁移证明 with ASCII quotes, as
-- every page and the printed form showed it, in Chinese typographic quotes.  A name an
-- administrator has changed is left as it is.
UPDATE lx.step SET name = '领取“三证”和户口迁移证明'
 WHERE code = 'certificates' AND name = '领取"三证"和户口迁移证明';
