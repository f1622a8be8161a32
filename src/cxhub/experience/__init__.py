"""The experience domain: what the customer lives across every touchpoint (issue 5).

Sub-packages: `text` (offline multilingual text analytics), `touchpoints` (touchpoint
intake and the analytics frame) and `journeys` (stages, rules, journey analytics).
"""
