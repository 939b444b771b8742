-- How an analysis' generated text ended, beside its LLM usage: `llm_status` is the
-- outcome of the schema and grounding checks (`accepted`, `rejected`, `skipped`;
-- NULL when the LLM stage did not run), and the judge's scores when `[llm.judge]`
-- rated the accepted text (all three set, or none).
ALTER TABLE analysis_results
    ADD COLUMN llm_status TEXT CHECK (llm_status IN ('accepted', 'rejected', 'skipped'));
ALTER TABLE analysis_results
    ADD COLUMN judge_coherence INTEGER CHECK (judge_coherence BETWEEN 1 AND 5);
ALTER TABLE analysis_results
    ADD COLUMN judge_clarity INTEGER CHECK (judge_clarity BETWEEN 1 AND 5);
ALTER TABLE analysis_results
    ADD COLUMN judge_consistent INTEGER CHECK (judge_consistent IN (0, 1));
