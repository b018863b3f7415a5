"""All tables; importing this module registers them on ``SQLModel.metadata``."""

from storage.models.accounting import AccountingRun, Baseline, DataAnomaly, DqPlan, EnterpriseFactor, FactorDocument
from storage.models.activity import ActivityBatch, ActivityRecord, ActivityRule
from storage.models.audit import AuditChain, AuditEntry, AuditHead
from storage.models.carbon_assets import AssetTxn, CarbonPrice
from storage.models.compliance import ComplianceEvaluation, ComplianceItem, Obligation
from storage.models.documents import Distribution, Document, FormRecord, Revision
from storage.models.ets import EtsEvidence, EtsMonth, EtsProfile, EtsReport
from storage.models.files import StoredFile
from storage.models.improvement import CorrectiveAction, Improvement, Nonconformity
from storage.models.internal_audit import AuditProgramme, ChecklistItem, InternalAudit
from storage.models.objectives import Objective
from storage.models.org import (
    Department,
    Enterprise,
    Facility,
    Meter,
    Person,
    Process,
    Responsibility,
    RoleAssignment,
    RoleChange,
    Site,
)
from storage.models.readiness import ReadinessSnapshot
from storage.models.readings import FuelAssay, ReadingBatch
from storage.models.reduction import ReductionMeasure
from storage.models.review import ManagementReview, ReviewAction
from storage.models.web import ApiToken, LoginAttempt
from storage.models.workflow import (
    Countersignature,
    Countersigner,
    Delegation,
    NotificationChannel,
    Outbox,
    Signature,
    Task,
    TaskHandover,
    TransitionLog,
)

__all__ = [
    "AccountingRun", "Baseline", "DataAnomaly", "DqPlan", "EnterpriseFactor", "FactorDocument", "ActivityRecord",
    "ActivityBatch", "ActivityRule", "AuditChain", "AuditEntry", "AuditHead", "Department", "Enterprise", "Facility", "Meter",
    "Person", "Process", "Responsibility", "RoleAssignment", "RoleChange", "Site", "StoredFile",
    "Distribution", "Document", "FormRecord", "Revision", "Outbox", "Signature", "Task", "TransitionLog",
    "ComplianceEvaluation", "ComplianceItem", "Obligation", "CorrectiveAction", "Improvement", "Nonconformity",
    "AuditProgramme", "ChecklistItem", "InternalAudit", "ManagementReview", "ReviewAction", "NotificationChannel",
    "ApiToken", "LoginAttempt", "Delegation", "TaskHandover", "EtsEvidence", "EtsMonth", "EtsProfile", "EtsReport", "AssetTxn",
    "CarbonPrice", "Objective", "ReductionMeasure", "ReadinessSnapshot", "FuelAssay", "ReadingBatch",
    "Countersigner", "Countersignature",
]
