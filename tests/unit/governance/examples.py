"""Policy texts shared by the governance tests: the product brief's `governance/policy.yml` examples."""

from __future__ import annotations

# Copied verbatim (comments included) from the product brief's phases, so that the format keeps accepting
# what the brief promises to users.
BRIEF_EXAMPLES: dict[str, str] = {
    "analytics": """\
analytics:
  budget_alert_threshold: 500.00    # Monthly budget limit
  cost_spike_threshold: 50          # Alert on 50%+ cost increase
  quality_drop_threshold: 20        # Alert on 20%+ quality decrease
  require_anomaly_review: true      # Require review for anomalies
  max_daily_cost: 50.00            # Block operations above daily limit
""",
    "integrations": """\
# governance/policy.yml
integrations:
  integrations_allowed:
    - jira
    - linear
    - vercel
    - render
    - netlify
  external_sync_required: true
  require_preview_for_phase:
    - QA
    - Beta
  max_integrations_per_project: 10

  preview_environments:
    required_for_phases:
      - QA
      - Beta
    providers_allowed:
      - vercel
      - render
      - netlify
    auto_deploy_branches:
      - main
      - develop
      - "feature/*"
    retention_days: 7
""",
    "design_system": """\
# governance/policy.yml
design_system:
  design_parity_required: true
  design_token_threshold: 95

  visual_regression:
    similarity_threshold: 0.95
    pixel_diff_threshold: 100

  component_parity:
    enforce_figma_mapping: true
    allowed_drift_percentage: 5

  token_sync:
    auto_sync_enabled: false
    require_manual_approval: true
""",
    "i18n_accessibility": """\
# governance/policy.yml
i18n:
  required: true
  supported_locales: ["en", "es", "fr", "de"]
  translation_coverage:
    minimum_percentage: 90
    enforce_on_build: true

accessibility:
  required: true
  wcag_level: "AA"
  wcag_version: "2.1"
  audit_requirements:
    lighthouse_score_min: 90
    axe_violations_max: 0
    color_contrast_min: 4.5
""",
    "sync_backoff_circuit_breaker": """\
# governance/policy.yml
sync_backoff:
  min_ms: 500        # Initial retry delay
  max_ms: 30000      # Maximum retry delay
  factor: 2          # Backoff multiplier
  jitter: true       # Add random jitter
  max_attempts: 5    # Maximum retry attempts

circuit_breaker:
  failure_threshold: 5      # Failures to open circuit
  success_threshold: 3      # Successes to close circuit
  cooldown_ms: 60000       # Time before half-open
  half_open_max_calls: 3   # Max calls in half-open
""",
    "public_launch": """\
# governance/policy.yml
public_launch:
  public_signup_enabled: true
  signup_approval_required: false
  email_verification_required: true

  marketplace:
    enabled: true
    auto_publish: false
    moderation_required: true
    verification_required_for_featured: true

  referrals:
    enabled: true
    credits_per_referral: 100
    max_referrals_per_user: 50

  rate_limits:
    signup_per_ip_per_hour: 5
    feedback_per_user_per_hour: 10
    marketplace_installs_per_user_per_hour: 50
    api_requests_per_user_per_minute: 100
""",
    "evals": """\
# governance/policy.yml
evals:
  min_quality_score: 0.85    # 85% average score
  min_pass_rate: 0.90        # 90% of tests must pass
  regression_threshold: 0.05  # Max 5% score drop
""",
    "optimization": """\
optimization:
  budget:
    max_cost_per_request_usd: 0.10
    max_latency_ms: 5000
    max_tokens_per_request: 4000
""",
}

ALL_BRIEF_EXAMPLES = "\n".join(BRIEF_EXAMPLES.values())
