-- dashboard 0006 down: overrides reference flags, so they go first; the seeded flags
-- go with their table.
DROP TABLE feature_flag_overrides;
DROP TABLE feature_flags;
