"""Importing minutes files shared in Slack: download with the bot's token, ingest, summarise; then the review
of the follow-ups found in each new meeting, to the importing admin (and the secretariat channel, if set)."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.documents import MAX_DOCUMENT_BYTES
from bot.core.minutes import MinutesError
from bot.followups.delivery import PermanentError, Tag, TransientError
from bot.services.followups import FollowupService
from bot.services.remarks import RemarksService
from bot.slack.blocks import USER_ID, WORDS, Block, import_failed_line, import_result_line, notice
from bot.slack.followup_messages import review_message
from bot.slack.middleware import answering_poster

logger = logging.getLogger("bot.slack")

MAX_FILES = 5
DOWNLOAD_TIMEOUT_SECONDS = 30
IMPORT_WORDS = ("import", "インポート", "取り込み", "取込")


class DownloadError(Exception):
    """A file that could not be fetched from Slack; str() is a short reason for the user."""


def is_import_request(text: str) -> bool:
    return text.lower().startswith(IMPORT_WORDS)


def import_files(
    client: WebClient,
    service: RemarksService,
    followups: FollowupService,
    user_id: str,
    files: Sequence[dict[str, Any]],
    language: str,
) -> tuple[list[Block], str]:
    words = WORDS[language]
    if not service.is_admin(user_id):
        return notice(words["not_admin"])
    if not files:
        return notice(words["no_file"])
    lines = []
    for file in files[:MAX_FILES]:
        name = str(file.get("name") or file.get("id") or "?")
        try:
            result = service.ingest(download(client, str(file.get("id"))), name)
        except (MinutesError, DownloadError) as error:
            lines.append(import_failed_line(name, str(error), language))
        else:
            lines.append(import_result_line(result, language))
            if not send_review(client, followups, result.meeting_id, user_id, [user_id, service.secretariat_channel]):
                lines.append(words["review_not_sent"])
    return notice("\n".join(lines))


def send_review(
    client: WebClient, followups: FollowupService, meeting_id: int, imported_by: str, recipients: list[str]
) -> bool:
    """The follow-ups found in a meeting, to each recipient (a user, in their DM, or a channel; empty ones
    skipped), the first time it is imported (claimed in the database: a re-import or another replica sends
    nothing); nothing when none are found. False when it reached none of them (after the retries): the claim
    is given back, so that importing the file again sends it. A review is rare, so its recipients' history is
    always searched first: one that reached Slack before the claim was given back is not sent twice."""
    review = followups.review(meeting_id, imported_by)
    if review is None or not review.proposals:
        return True
    text, blocks = review_message(review)
    poster = answering_poster(client)
    tag = Tag(f"review:{meeting_id}", maybe_posted=True, hold=lambda seconds: None)  # no lease: the claim stays
    reached = False
    for recipient in filter(None, recipients):
        try:
            if USER_ID.fullmatch(recipient):
                poster.direct_message(recipient, text, blocks, tag)
            else:
                poster.post(recipient, text, blocks, tag, unfurl=False)
            reached = True
        except (PermanentError, TransientError) as error:
            # The import itself worked; a channel the bot is not in must not hide that.
            logger.warning("review not sent", extra={"channel": recipient, "error": str(error)})
    if not reached:
        followups.release_review(meeting_id)
    return reached


def download(client: WebClient, file_id: str) -> bytes:
    """A file's bytes. files.info gives the download address (an event's file may be partial)."""
    try:
        info = client.files_info(file=file_id)["file"]
    except SlackApiError as error:
        raise DownloadError(f"Slack did not give the file ({error.response.get('error')})") from error
    if int(info.get("size") or 0) > MAX_DOCUMENT_BYTES:
        raise DownloadError(f"the file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    url = info.get("url_private_download") or info.get("url_private")
    if not url:
        raise DownloadError("Slack gave no download address for the file")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            if response.headers.get_content_type() == "text/html":
                # Slack answers a download it refuses with its sign-in page.
                raise DownloadError("Slack refused the download (does the app have the files:read scope?)")
            data = response.read(MAX_DOCUMENT_BYTES + 1)
    except urllib.error.URLError as error:
        raise DownloadError(f"the download failed ({getattr(error, 'code', None) or error.reason})") from error
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DownloadError(f"the file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    return data
