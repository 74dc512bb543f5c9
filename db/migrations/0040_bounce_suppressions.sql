-- Permanent e-mail bounces suppress the address the way opt-outs do: the same contact_opt_outs row
-- (account, channel scope, address), with source 'bounce' and the bounce's reason, so the dispatch
-- claim and the campaign fan-out that skip opted-out addresses skip bounced ones too. Only the
-- allowed sources change.
ALTER TABLE contact_opt_outs DROP CONSTRAINT IF EXISTS contact_opt_outs_source_check;
ALTER TABLE contact_opt_outs
  ADD CONSTRAINT contact_opt_outs_source_check CHECK (source IN ('keyword', 'provider', 'api', 'bounce'));
