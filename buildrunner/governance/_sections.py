"""Policy sections for features the brief plans (integrations, i18n, accessibility, evals, design system,
public launch): validated now so that a policy written today keeps meaning the same thing when they land."""

from __future__ import annotations

from typing import Literal

import msgspec

from buildrunner.governance._base import (
    BranchPattern,
    ContrastRatio,
    Fraction,
    IntegrationName,
    Locale,
    NonNegativeFloat,
    NonNegativeInt,
    Percent,
    PhaseName,
    PositiveInt,
    PreviewProvider,
    Section,
)

__all__ = [
    "Accessibility",
    "AuditRequirements",
    "ComponentParity",
    "DesignSystem",
    "Evals",
    "I18n",
    "Integrations",
    "Marketplace",
    "Optimization",
    "OptimizationBudget",
    "PreviewEnvironments",
    "PublicLaunch",
    "RateLimits",
    "Referrals",
    "TokenSync",
    "TranslationCoverage",
    "VisualRegression",
]


class RateLimits(Section):
    """Request limits per caller; ``null`` (the default) means no limit."""

    api_requests_per_user_per_minute: PositiveInt | None = None
    api_requests_per_key_per_minute: PositiveInt | None = None
    sync_pushes_per_project_per_minute: PositiveInt | None = None
    signup_per_ip_per_hour: PositiveInt | None = None
    feedback_per_user_per_hour: PositiveInt | None = None
    marketplace_installs_per_user_per_hour: PositiveInt | None = None


class PreviewEnvironments(Section):
    """Preview deployments of branches (Vercel, Render, Netlify)."""

    required_for_phases: list[PhaseName] = msgspec.field(default_factory=list)
    providers_allowed: list[PreviewProvider] | None = None
    auto_deploy_branches: list[BranchPattern] = msgspec.field(default_factory=list)
    retention_days: PositiveInt | None = None


class Integrations(Section):
    """External issue trackers, preview hosts and notification services."""

    integrations_allowed: list[IntegrationName] | None = None
    """``null`` (the default) allows every integration."""
    external_sync_required: bool = False
    require_preview_for_phase: list[PhaseName] = msgspec.field(default_factory=list)
    max_integrations_per_project: PositiveInt | None = None
    preview_environments: PreviewEnvironments = msgspec.field(default_factory=PreviewEnvironments)


class TranslationCoverage(Section):
    """How complete translations must be."""

    minimum_percentage: Percent = 0
    enforce_on_build: bool = False


class I18n(Section):
    """Internationalisation requirements."""

    required: bool = False
    supported_locales: list[Locale] = msgspec.field(default_factory=list)
    translation_coverage: TranslationCoverage = msgspec.field(default_factory=TranslationCoverage)


class AuditRequirements(Section):
    """Thresholds of the automated accessibility audits."""

    lighthouse_score_min: Percent | None = None
    axe_violations_max: NonNegativeInt | None = None
    color_contrast_min: ContrastRatio | None = None
    """Minimum contrast ratio, 1 to 21 (WCAG AA asks 4.5, AAA 7)."""


class Accessibility(Section):
    """Accessibility requirements (WCAG)."""

    required: bool = False
    wcag_level: Literal["A", "AA", "AAA"] = "AA"
    wcag_version: Literal["2.0", "2.1", "2.2"] = "2.1"
    audit_requirements: AuditRequirements = msgspec.field(default_factory=AuditRequirements)


class Evals(Section):
    """Quality gates of AI evaluations; scores and rates are fractions, 0 to 1."""

    min_quality_score: Fraction | None = None
    min_pass_rate: Fraction | None = None
    regression_threshold: Fraction | None = None


class OptimizationBudget(Section):
    """Per-request limits for AI model and prompt selection."""

    max_cost_per_request_usd: NonNegativeFloat | None = None
    max_latency_ms: PositiveInt | None = None
    max_tokens_per_request: PositiveInt | None = None


class Optimization(Section):
    """AI auto-optimisation constraints."""

    budget: OptimizationBudget = msgspec.field(default_factory=OptimizationBudget)


class VisualRegression(Section):
    """Visual regression test thresholds."""

    similarity_threshold: Fraction | None = None
    pixel_diff_threshold: NonNegativeInt | None = None


class ComponentParity(Section):
    """Parity between Figma components and code components."""

    enforce_figma_mapping: bool = False
    allowed_drift_percentage: Percent | None = None


class TokenSync(Section):
    """Synchronisation of design tokens from Figma."""

    auto_sync_enabled: bool = False
    require_manual_approval: bool = False


class DesignSystem(Section):
    """Design system parity with Figma."""

    design_parity_required: bool = False
    design_token_threshold: Percent | None = None
    visual_regression: VisualRegression = msgspec.field(default_factory=VisualRegression)
    component_parity: ComponentParity = msgspec.field(default_factory=ComponentParity)
    token_sync: TokenSync = msgspec.field(default_factory=TokenSync)


class Marketplace(Section):
    """Template marketplace publishing rules."""

    enabled: bool = False
    auto_publish: bool = False
    moderation_required: bool = True
    verification_required_for_featured: bool = True


class Referrals(Section):
    """Referral programme."""

    enabled: bool = False
    credits_per_referral: NonNegativeInt = 0
    max_referrals_per_user: NonNegativeInt | None = None


class PublicLaunch(Section):
    """Public sign-up, marketplace, referrals and abuse limits of a public instance."""

    public_signup_enabled: bool = False
    signup_approval_required: bool = False
    email_verification_required: bool = True
    marketplace: Marketplace = msgspec.field(default_factory=Marketplace)
    referrals: Referrals = msgspec.field(default_factory=Referrals)
    rate_limits: RateLimits = msgspec.field(default_factory=RateLimits)
