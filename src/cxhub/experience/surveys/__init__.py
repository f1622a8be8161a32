"""Surveys: NPS, CSAT, CES and custom questionnaires, their distribution (e-mail, portal,
in-product, triggers, segments) with sampling and a workspace-wide throttle, responses on the
timeline, and the follow-up loop for unhappy answers (docs/surveys.md, ADR 0025)."""
