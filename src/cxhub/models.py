"""Imports every table so `Base.metadata` is complete (Alembic, merge, schema tests)."""

from __future__ import annotations

from cxhub.analytics.service_rollups.models import (
    ServiceKpiDirtyDay,
    ServiceKpiRollup,
    ServiceKpiRollupDay,
)
from cxhub.core.audit import AuditEntry
from cxhub.core.db import Base
from cxhub.core.tenancy import Workspace
from cxhub.customers.accounts.models import Account, AccountDomain
from cxhub.customers.contacts.models import Contact, ContactIdentifier
from cxhub.customers.timeline.models import Interaction
from cxhub.experience.connected.models import NpsAnswer
from cxhub.experience.journeys.models import Journey, JourneyStageEntry
from cxhub.experience.nextaction.models import NextActionDecision
from cxhub.experience.surveys.models import (
    Survey,
    SurveyContactClock,
    SurveyInvitation,
    SurveyResponse,
    SurveySettings,
)
from cxhub.experience.text.models import TextAnalysisRecord, TextAnalyticsSettings
from cxhub.experience.topics.models import Topic, TopicAssignment, TopicModel
from cxhub.experience.touchpoints.models import Touchpoint
from cxhub.knowledge.articles.models import (
    ArticleEmbedding,
    ArticleFile,
    ArticleRevision,
    ArticleTranslation,
    KnowledgeArticle,
    KnowledgeCollection,
)
from cxhub.knowledge.assist.models import ArticleUse, SolvedTicketVector
from cxhub.knowledge.helpcenter.models import ArticleVote, KnowledgeSearch
from cxhub.people.models import ApiToken, Team, TeamMembership, User, WebSession
from cxhub.privacy.models import ErasureRecord, RetentionPolicyRecord
from cxhub.service.assignment.models import AgentProfile, TeamAssignmentSettings
from cxhub.service.automations.models import (
    AutomationFiring,
    AutomationRecord,
    MacroRecord,
    TicketRuleRun,
    TriggerRecord,
    UserNotification,
)
from cxhub.service.channels.models import ChannelReceipt, ChannelSource, ChannelThread
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.mail.models import InboundEmail, Mailbox, OutboundEmail
from cxhub.service.portal.models import (
    PortalAccess,
    PortalSession,
    PortalSettings,
    PortalSignInLink,
)
from cxhub.service.sla.models import (
    BusinessCalendarRecord,
    SlaEvent,
    SlaPolicy,
    TicketSlaTarget,
)
from cxhub.service.tickets.models import (
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketFollower,
    TicketMessage,
    TicketTag,
)
from cxhub.service.views.models import SavedView
from cxhub.success.expansion.models import (
    ExpansionOpportunityRecord,
    ExpansionSnapshot,
    PlanCatalogueRecord,
)
from cxhub.success.health.models import AccountHealthScore, HealthScorecard
from cxhub.success.playbooks.models import (
    Playbook,
    PlaybookEpisode,
    PlaybookRun,
    SurveyEnrolment,
)
from cxhub.success.subscriptions.models import Subscription, SubscriptionMrrChange
from cxhub.success.tasks.models import CsmTask
from cxhub.success.usage.models import TrackingWriteKey, UsageEvent

__all__ = [
    "Account",
    "AccountDomain",
    "AccountHealthScore",
    "AgentProfile",
    "ApiToken",
    "ArticleEmbedding",
    "ArticleFile",
    "ArticleRevision",
    "ArticleTranslation",
    "ArticleUse",
    "ArticleVote",
    "AuditEntry",
    "AutomationFiring",
    "AutomationRecord",
    "Base",
    "BusinessCalendarRecord",
    "ChannelReceipt",
    "ChannelSource",
    "ChannelThread",
    "Contact",
    "ContactIdentifier",
    "CsatSurvey",
    "CsmTask",
    "ErasureRecord",
    "ExpansionOpportunityRecord",
    "ExpansionSnapshot",
    "HealthScorecard",
    "InboundEmail",
    "Interaction",
    "Journey",
    "JourneyStageEntry",
    "KnowledgeArticle",
    "KnowledgeCollection",
    "KnowledgeSearch",
    "MacroRecord",
    "Mailbox",
    "NextActionDecision",
    "NpsAnswer",
    "OutboundEmail",
    "PlanCatalogueRecord",
    "Playbook",
    "PlaybookEpisode",
    "PlaybookRun",
    "PortalAccess",
    "PortalSession",
    "PortalSettings",
    "PortalSignInLink",
    "RetentionPolicyRecord",
    "SavedView",
    "ServiceKpiDirtyDay",
    "ServiceKpiRollup",
    "ServiceKpiRollupDay",
    "SlaEvent",
    "SlaPolicy",
    "SolvedTicketVector",
    "Subscription",
    "SubscriptionMrrChange",
    "Survey",
    "SurveyContactClock",
    "SurveyEnrolment",
    "SurveyInvitation",
    "SurveyResponse",
    "SurveySettings",
    "Team",
    "TeamAssignmentSettings",
    "TeamMembership",
    "TextAnalysisRecord",
    "TextAnalyticsSettings",
    "Ticket",
    "TicketAttachment",
    "TicketCounter",
    "TicketFollower",
    "TicketMessage",
    "TicketRuleRun",
    "TicketSlaTarget",
    "TicketTag",
    "Topic",
    "TopicAssignment",
    "TopicModel",
    "Touchpoint",
    "TrackingWriteKey",
    "TriggerRecord",
    "UsageEvent",
    "User",
    "UserNotification",
    "WebSession",
    "Workspace",
]
