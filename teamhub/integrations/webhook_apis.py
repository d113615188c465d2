"""Webhook endpoints for Jira and Git hosts: verify the signature over the raw
body with the connection's webhook secret, then queue an incremental sync.

- Jira: ``X-Hub-Signature: sha256=<hex>`` (HMAC-SHA256 of the body).
- GitHub: ``X-Hub-Signature-256: sha256=<hex>``; Gitea: ``X-Gitea-Signature:
  <hex>`` (HMAC-SHA256); GitLab: ``X-Gitlab-Token: <secret>``.

A missing or bad signature, or a connection without a secret, gets 403 and
queues nothing. No session or CSRF: the hosts authenticate by the signature.
A push to a branch the repository does not follow gets 200 and queues nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping

from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teamhub.core.exceptions import Conflict
from teamhub.integrations.git.pushes import push_ignored_because
from teamhub.integrations.models import GitRepository, JiraConnection, SyncRun
from teamhub.integrations.run_apis import RunResponse, SyncRunOutputSerializer
from teamhub.integrations.runs import Connection, sync_run_queue
from teamhub.integrations.secrets import SecretUnreadable

logger = logging.getLogger(__name__)


def _hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _prefixed_matches(header: str, secret: str, body: bytes) -> bool:
    """``sha256=<hex>`` over ``body``, compared in constant time."""
    algorithm, _, digest = header.strip().partition("=")
    if algorithm.lower() != "sha256" or not digest:
        return False
    return hmac.compare_digest(
        digest.lower().encode(), _hmac_hex(secret, body).encode()
    )


def jira_signature_valid(
    *, headers: Mapping[str, str], secret: str, body: bytes
) -> bool:
    header = headers.get("X-Hub-Signature", "")
    return bool(secret and header) and _prefixed_matches(header, secret, body)


def git_signature_valid(
    *, headers: Mapping[str, str], secret: str, body: bytes
) -> bool:
    """Every signature header present must verify, and at least one must be."""
    if not secret:
        return False
    checks: list[bool] = []
    if "X-Hub-Signature-256" in headers:  # GitHub (and newer Gitea)
        checks.append(_prefixed_matches(headers["X-Hub-Signature-256"], secret, body))
    if "X-Gitea-Signature" in headers:
        given = headers["X-Gitea-Signature"].strip().lower().encode()
        checks.append(hmac.compare_digest(given, _hmac_hex(secret, body).encode()))
    if "X-Gitlab-Token" in headers:
        checks.append(
            hmac.compare_digest(headers["X-Gitlab-Token"].encode(), secret.encode())
        )
    return bool(checks) and all(checks)


def _secret_of(connection: Connection) -> str:
    try:
        return connection.webhook_secret()
    except SecretUnreadable:
        logger.warning("The webhook secret of %s cannot be decrypted", connection)
        return ""


class _WebhookApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    model: type[JiraConnection] | type[GitRepository]

    def verified(self, request: Request, secret: str, body: bytes) -> bool:
        raise NotImplementedError

    def ignored_because(self, connection: Connection, body: bytes) -> str | None:
        """Why this (verified) event needs no sync, or None to queue one."""
        return None

    @extend_schema(
        request=None,
        responses={
            202: RunResponse,
            200: OpenApiResponse(description="Nothing to sync (e.g. another branch)."),
            403: OpenApiResponse(description="Missing or bad signature."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        connection: Connection = get_object_or_404(self.model, pk=pk)  # type: ignore[assignment]
        body = request.body  # the raw bytes the signature covers; never parsed
        if not self.verified(request, _secret_of(connection), body):
            logger.warning("Rejected a webhook for %s: bad signature", connection)
            return Response(
                {"detail": "Missing or invalid webhook signature."},
                status=status.HTTP_403_FORBIDDEN,
            )
        if request.headers.get("X-GitHub-Event") == "ping":
            return Response({"detail": "pong"})
        if not connection.active:
            return Response(
                {"detail": f"{connection} is inactive; nothing queued."},
                status=status.HTTP_409_CONFLICT,
            )
        reason = self.ignored_because(connection, body)
        if reason is not None:
            return Response({"detail": reason})
        try:
            run = sync_run_queue(connection=connection, trigger=SyncRun.Trigger.WEBHOOK)
        except Conflict as conflict:
            open_run = SyncRun.objects.filter(
                pk=conflict.extra.get("run_id") or 0
            ).first()
            return Response(
                {
                    "detail": "A sync is already queued or running.",
                    "run": SyncRunOutputSerializer(open_run).data if open_run else None,
                },
                status=status.HTTP_202_ACCEPTED,
            )
        return Response(
            {"run": SyncRunOutputSerializer(run).data}, status=status.HTTP_202_ACCEPTED
        )


class JiraWebhookApi(_WebhookApi):
    """Jira's webhook: queue an incremental sync of the connection."""

    model = JiraConnection

    def verified(self, request: Request, secret: str, body: bytes) -> bool:
        return jira_signature_valid(headers=request.headers, secret=secret, body=body)


class GitWebhookApi(_WebhookApi):
    """A GitHub, GitLab or Gitea push webhook: queue a sync of the repository."""

    model = GitRepository

    def verified(self, request: Request, secret: str, body: bytes) -> bool:
        return git_signature_valid(headers=request.headers, secret=secret, body=body)

    def ignored_because(self, connection: Connection, body: bytes) -> str | None:
        assert isinstance(connection, GitRepository)
        return push_ignored_because(connection, body)


urlpatterns: list[URLPattern | URLResolver] = [
    path("webhooks/jira/<int:pk>/", JiraWebhookApi.as_view(), name="api-webhook-jira"),
    path("webhooks/git/<int:pk>/", GitWebhookApi.as_view(), name="api-webhook-git"),
]
