-- The first evaluation and follow-up of a case are looked up by case alone: the partial unique indexes of
-- 0001 (which enforce 一事一评) only serve queries that repeat their conditions, so without this index each
-- lookup scanned the table.
CREATE INDEX evaluations_case_idx ON evaluations (case_id);
