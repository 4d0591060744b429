-- 007_deferral: the special deferral point (缓交办理点, seed §3.9).  The deferral officer lifts
-- the finance gate for a student who may pay later (限制已关闭): with the gate lifted, unpaid
-- arrears no longer keep the certificate steps closed (lx.missing_prereqs ignores overridden
-- gates).  The finance step itself stays pending and still counts toward clearance.
--
-- The functions, views, triggers and grants it defined are in sql/functions/ (deferral.sql),
-- which scripts/migrate.sh applies after the migrations.

-- Which gates the deferral point may lift (the finance step).
ALTER TABLE lx.step ADD COLUMN deferral_gate boolean NOT NULL DEFAULT false;
UPDATE lx.step SET deferral_gate = true WHERE code = 'arrears';
