-- The hourly integrity sweep reads the evaluations received in its period; without this index it read the
-- whole table (ten million rows in the large demo) every hour.
CREATE INDEX evaluations_received_idx ON evaluations (received_at);
