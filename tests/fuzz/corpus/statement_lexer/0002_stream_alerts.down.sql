-- stream-bot 0002 down: events reference alerts, so they go first.
DROP TABLE alert_events;
DROP TABLE stream_alerts;
