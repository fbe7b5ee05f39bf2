-- dashboard 0005 down: independent tables; indexes and triggers go with them.
DROP TABLE sessions;
DROP TABLE api_tokens;
