-- dashboard 0002 down: the trigger goes with the table.
DROP TABLE user_preferences;
