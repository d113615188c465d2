"""Check stored document versions and decisions against their SHA-256."""

from collections.abc import Iterator

from teamhub.requirements.content import content_sha256
from teamhub.requirements.models import DocVersion, SignOff


def version_problems() -> Iterator[str]:
    """Yield a sentence for each version whose content no longer matches its
    hash, and each decision whose hash is not its version's."""
    hashes: dict[int, str] = {}
    versions = DocVersion.objects.select_related("doc").order_by("id")
    for version in versions.iterator(chunk_size=500):
        actual = content_sha256(
            body_markdown=version.body_markdown, fields=version.fields
        )
        hashes[version.pk] = version.content_sha256
        if actual != version.content_sha256:
            yield (
                f"DocVersion #{version.pk} (“{version.doc.title}” version "
                f"{version.number}): altered — its content does not match its "
                "SHA-256."
            )
    for signoff in SignOff.objects.order_by("id").iterator(chunk_size=2000):
        if hashes.get(signoff.version_id) != signoff.content_sha256:
            yield (
                f"SignOff #{signoff.pk}: its hash is not the hash of the version "
                "it names."
            )
