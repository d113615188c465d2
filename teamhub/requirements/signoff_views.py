"""Sign-off pages: request sign-off, sign (approve / reject / revoke), the inbox,
the printable sign-off record.

Everyone signed in reads a request's status, the inbox and the record. Managers
and the people working on the initiative request sign-off; only the stakeholders
asked decide or revoke. Writes go through ``services_signoff``: bad input
re-renders the page with status 400 and the message next to the field (nothing
recorded), a clash with the current state is a 409 page saying what changed, a
refused action a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from teamhub.core.exceptions import Conflict
from teamhub.core.models import User
from teamhub.initiatives.models import MissionCriticality
from teamhub.initiatives.permissions import can_work_on_initiative
from teamhub.requirements.diff import VersionDiff, version_diff
from teamhub.requirements.models import (
    DocVersion,
    RequirementDoc,
    SignOff,
    SignOffRequest,
)
from teamhub.requirements.rules import applicable_rules, doc_criticality
from teamhub.requirements.selectors_record import (
    REQUEST_RELATED,
    signoff_detail,
    signoff_inbox_page,
    signoff_record,
)
from teamhub.requirements.services_signoff import (
    signoff_decide,
    signoff_meaning,
    signoff_request_create,
    signoff_revoke,
)
from teamhub.requirements.signoff_forms import (
    SignOffDecideForm,
    SignOffRequestForm,
    SignOffRevokeForm,
)
from teamhub.requirements.state import Standing
from teamhub.requirements.template import FIELDS_BY_KEY

DECIDE_IDS = "sign_%s"
REVOKE_IDS = "revoke_%s"
# The fields the sign page sums a version up with (the rest: read it in full).
SUMMARY_KEYS = [
    "problem_statement",
    "kpi_name",
    "kpi_target",
    "kpi_time_window",
    "ml_metric",
    "ml_threshold",
    "decision",
    "mission_criticality",
    "acceptance_criteria",
    "not_doing",
]
CRITICALITY_LABELS = dict(MissionCriticality.choices)


@dataclass(frozen=True)
class SummaryField:
    key: str
    label: str
    value: Any


def doc_url(doc_id: int, number: int | None = None) -> str:
    """Return the document page's address, at ``number`` if given."""
    url = reverse("requirements:doc", args=[doc_id])
    return f"{url}?version={number}" if number else url


def _summary(version: DocVersion) -> list[SummaryField]:
    rows = []
    for key in SUMMARY_KEYS:
        value = version.fields.get(key)
        if value in (None, "", []):
            continue
        if key == "mission_criticality":
            value = CRITICALITY_LABELS.get(value, value)
        rows.append(SummaryField(key, FIELDS_BY_KEY[key].label, value))
    return rows


# Request sign-off -------------------------------------------------------------


def _render_request_form(
    request: HttpRequest,
    doc: RequirementDoc,
    version: DocVersion,
    form: SignOffRequestForm,
    *,
    existing: SignOffRequest | None,
    status: int = 200,
) -> HttpResponse:
    rules = applicable_rules(doc_criticality(doc, version.fields))
    rule_teams = list({rule.team_id: rule.team for rule in rules}.values())
    context = {
        "doc": doc,
        "initiative": doc.initiative,
        "version": version,
        "form": form,
        "groups": form.stakeholder_groups(
            exclude_id=version.author_id, rule_teams=rule_teams
        ),
        "rules": rules,
        "criticality": max(
            doc.initiative.mission_criticality,
            version.fields.get("mission_criticality") or 1,
        ),
        "existing": existing,
        "doc_url": doc_url(doc.pk),
        "today": timezone.localdate(),
    }
    return render(
        request, "requirements/signoff_request_new.html", context, status=status
    )


@require_http_methods(["GET", "POST"])
def signoff_request_new(request: HttpRequest, doc_id: int) -> HttpResponse:
    doc = get_object_or_404(
        RequirementDoc.objects.select_related("initiative"), pk=doc_id
    )
    actor: User = request.user  # type: ignore[assignment]
    if not can_work_on_initiative(actor, doc.initiative):
        raise PermissionDenied(
            f"Only managers and the people working on {doc.initiative.key} ask "
            "stakeholders to sign its requirements."
        )
    version = doc.versions.select_related("author").order_by("-number").first()
    assert version is not None  # every document has version 1
    existing = doc.signoff_requests.filter(version=version).first()
    if request.method == "GET":
        return _render_request_form(
            request, doc, version, SignOffRequestForm(), existing=existing
        )
    form = SignOffRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = signoff_request_create(
                actor=actor,
                doc=doc,
                stakeholders=list(data["stakeholders"]),
                policy=data["policy"],
                quorum=data["quorum"],
                due=data["due"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        except Conflict as exc:
            messages.error(request, exc.detail)
            return _render_request_form(
                request, doc, version, form, existing=existing, status=409
            )
        else:
            count = created.stakeholders.count()
            messages.success(
                request,
                f"Asked {count} stakeholder{'s' if count != 1 else ''} to sign "
                f"version {version.number} of “{doc.title}”.",
            )
            return redirect(doc_url(doc.pk))
    messages.error(request, "Nothing was requested — please correct the errors below.")
    return _render_request_form(
        request, doc, version, form, existing=existing, status=400
    )


# The sign page ----------------------------------------------------------------


def _load_request(request_id: int) -> SignOffRequest:
    return get_object_or_404(
        SignOffRequest.objects.select_related(*REQUEST_RELATED, "doc__created_by"),
        pk=request_id,
    )


def _can_approve(user: User, target: SignOffRequest) -> bool:
    """The author or last editor of the version may not approve it."""
    return user.pk not in {target.version.author_id, target.doc.created_by_id}


def _render_sign(
    request: HttpRequest,
    target: SignOffRequest,
    *,
    decide_form: SignOffDecideForm | None = None,
    revoke_form: SignOffRevokeForm | None = None,
    moved_from: int | None = None,
    status: int = 200,
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    detail = signoff_detail(request=target)
    version = target.version
    me = detail.signer(user)
    can_approve = _can_approve(user, target)
    if me is not None and decide_form is None:
        decide_form = SignOffDecideForm(
            initial={"version_number": version.number},
            can_approve=can_approve,
            auto_id=DECIDE_IDS,
        )
    standing_decision = me.decision if me is not None else None
    can_revoke = (
        standing_decision is not None
        and standing_decision.decision != SignOff.Decision.REVOKED
    )
    if can_revoke and revoke_form is None:
        revoke_form = SignOffRevokeForm(auto_id=REVOKE_IDS)
    stale_diff: VersionDiff | None = None
    if me is not None and me.standing == Standing.STALE and standing_decision:
        stale_diff = version_diff(standing_decision.version, version)
    moved_diff: VersionDiff | None = None
    if moved_from is not None and moved_from != version.number:
        read = DocVersion.objects.filter(doc=target.doc, number=moved_from).first()
        if read is not None:
            moved_diff = version_diff(read, version)
    meanings = {
        decision: signoff_meaning(request=target, decision=decision)
        for decision in (SignOff.Decision.APPROVED, SignOff.Decision.REJECTED)
    }
    context = {
        "target": target,
        "detail": detail,
        "status": detail.status,
        "progress": detail.progress,
        "doc": target.doc,
        "initiative": target.doc.initiative,
        "version": version,
        "me": me,
        "can_approve": can_approve,
        "can_revoke": can_revoke,
        "decide_form": decide_form,
        "revoke_form": revoke_form,
        "meanings": meanings,
        # Each radio button with the statement it signs.
        "decision_choices": [
            (radio, meanings.get(radio.data["value"], ""))
            for radio in (decide_form["decision"] if decide_form else [])
        ],
        "summary": _summary(version),
        "stale_diff": stale_diff,
        "moved_from": moved_from,
        "moved_diff": moved_diff,
        "doc_url": doc_url(target.doc_id),
        "version_url": doc_url(target.doc_id, version.number),
        "today": timezone.localdate(),
    }
    return render(request, "requirements/signoff.html", context, status=status)


def _require_asked(user: User, target: SignOffRequest) -> None:
    if not target.stakeholders.filter(pk=user.pk).exists():
        raise PermissionDenied(
            "You were not asked to sign this document: its status is read-only for you."
        )


@require_http_methods(["GET", "POST"])
def signoff(request: HttpRequest, request_id: int) -> HttpResponse:
    target = _load_request(request_id)
    if request.method == "GET":
        return _render_sign(request, target)
    user: User = request.user  # type: ignore[assignment]
    _require_asked(user, target)
    # Both choices validate: an author's approval is refused by the service,
    # with its reason (403), not by a vanished radio button.
    form = SignOffDecideForm(request.POST, auto_id=DECIDE_IDS)
    if form.is_valid():
        data = form.cleaned_data
        try:
            signed = signoff_decide(
                request=target,
                stakeholder=user,
                decision=data["decision"],
                password=data["password"],
                version_number=data["version_number"],
                comment=data["comment"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        except Conflict:
            # The page says what moved on and shows the changes (no flash
            # message repeating it).
            target = _load_request(request_id)
            fresh = SignOffDecideForm(
                initial={
                    "version_number": target.version.number,
                    "decision": data["decision"],
                    "comment": data["comment"],
                },
                can_approve=_can_approve(user, target),
                auto_id=DECIDE_IDS,
            )
            return _render_sign(
                request,
                target,
                decide_form=fresh,
                moved_from=data["version_number"],
                status=409,
            )
        else:
            word = "approved" if signed.decision == "approved" else "rejected"
            messages.success(
                request,
                f"You {word} version {signed.version.number} of "
                f"“{target.doc.title}”. Your signature is recorded with the "
                f"version's SHA-256 {signed.content_sha256[:12]}….",
            )
            return redirect(doc_url(target.doc_id))
    if not _can_approve(user, target):
        form.offer_reject_only()
    messages.error(request, "Nothing was signed — please correct the errors below.")
    return _render_sign(request, target, decide_form=form, status=400)


@require_POST
def signoff_revoke_view(request: HttpRequest, request_id: int) -> HttpResponse:
    target = _load_request(request_id)
    user: User = request.user  # type: ignore[assignment]
    _require_asked(user, target)
    form = SignOffRevokeForm(request.POST, auto_id=REVOKE_IDS)
    if form.is_valid():
        try:
            revocation = signoff_revoke(
                request=target, stakeholder=user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        except Conflict as exc:
            messages.error(request, exc.detail)
            return _render_sign(request, target, status=409)
        else:
            messages.success(
                request,
                f"{revocation.meaning} It stays on record; you can decide again below.",
            )
            return redirect("requirements:signoff", request_id=target.pk)
    messages.error(request, "Nothing was revoked — please correct the errors below.")
    return _render_sign(request, target, revoke_form=form, status=400)


# The inbox and the record -----------------------------------------------------


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    page = signoff_inbox_page(user=user)
    return render(
        request,
        "requirements/inbox.html",
        {"page": page, "today": timezone.localdate()},
    )


@require_GET
def record(request: HttpRequest, doc_id: int, number: int) -> HttpResponse:
    version = get_object_or_404(
        DocVersion.objects.select_related("doc__initiative", "author"),
        doc_id=doc_id,
        number=number,
    )
    rec = signoff_record(version=version)
    return render(
        request,
        "requirements/record.html",
        {
            "rec": rec,
            "doc": rec.doc,
            "initiative": rec.doc.initiative,
            "version": version,
            "doc_url": doc_url(doc_id),
            "version_url": doc_url(doc_id, number),
            "printed": timezone.now(),
        },
    )


urlpatterns: list[URLPattern] = [
    path("inbox/", inbox, name="inbox"),
    path("<int:doc_id>/signoff/", signoff_request_new, name="signoff_request_new"),
    path("signoffs/<int:request_id>/", signoff, name="signoff"),
    path(
        "signoffs/<int:request_id>/revoke/",
        signoff_revoke_view,
        name="signoff_revoke",
    ),
    path("<int:doc_id>/v<int:number>/record/", record, name="record"),
]
