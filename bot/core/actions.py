"""Follow-up actions in a meeting's remarks: what the speaker's organisation will do (commitment), what a named
body is asked to do (request) and what a group will do together (joint), with owner and due date.

The rules are those of the hand labels (../shared/eval/LABELING.md). A remark is read sentence by sentence
and clause by clause with SudachiPy's parts of speech and conjugations: the end of a sentence says whether
it looks ahead (〜したい, 〜していく, 〜する予定, 〜することとした), asks (〜していただきたい, お願いしたい,
〜に要望していく) or only reports or judges (〜した, 〜している, 〜と思う, 〜が必要); the verbs at the heads of
its clauses say whether a concrete act is named. The first action of a remark is the one reported.
The words these rules look for are in bot/data/actions.toml.
"""

from __future__ import annotations

import calendar
import datetime
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from bot.core.speakers import AliasTable, split_label
from bot.core.text import Morpheme, morphemes

Kind = Literal["commitment", "request", "joint"]
# What a sentence's ending says: looks ahead, asks, reports what is done or under way, or neither; "plain" is
# the dictionary form (〜を開催する), a commitment only when it has a time (it also opens a meeting, here and now).
Mood = Literal["commitment", "plain", "request", "report", "none"]
# What a clause before the last one does: names part of the act, a purpose, a report, a reason, a condition…
Role = Literal["act", "purpose", "report", "reason", "conditional", "accompanying", "state", "final"]
NOT_THE_ACT: tuple[Role, ...] = ("report", "reason", "state")  # clauses whose words are not the action's
TE = ("て", "で")  # the て-form that joins a verb to the next: 〜している, 〜していく, 〜して、


@dataclass(frozen=True)
class RemarkText:
    remark_id: int
    speaker: str
    text: str


@dataclass(frozen=True)
class Action:
    remark_id: int
    speaker: str
    text: str
    kind: Kind
    owner: str
    due: datetime.date | None
    due_words: str | None  # the time words as written (次回会議までに), also when they give no date yet
    sentence: str  # the sentence that states the action


@dataclass(frozen=True)
class TimeCue:
    words: frozenset[str]
    due: str  # how the date is counted: see actions.toml
    needs_suffix: bool


@dataclass(frozen=True)
class ActionCues:
    """The words of actions.toml, as sets."""

    grammar: dict[str, frozenset[str]]
    goals: frozenset[str]
    outcomes: frozenset[str]
    light_objects: frozenset[str]
    abstract_objects: frozenset[str]
    joint: dict[str, frozenset[str]]
    group_owner: str  # the owner of what a group does together
    bodies: tuple[tuple[str, str], ...]  # (a name, the body's one name), longest names first
    times: tuple[TimeCue, ...]
    time_grammar: dict[str, frozenset[str]]
    eras: dict[str, int]  # 令和 → 2018: 令和8年度 is the fiscal year starting in April 2026

    def words(self, key: str) -> frozenset[str]:
        return self.grammar[key]

    def body_named(self, name: str) -> str | None:
        return next((owner for body, owner in self.bodies if body == name), None)


def _word_sets(table: dict) -> dict[str, frozenset[str]]:
    return {key: frozenset([value] if isinstance(value, str) else value) for key, value in table.items()}


def load_action_cues(text: str) -> ActionCues:
    data = tomllib.loads(text)
    bodies = sorted(
        ((name, body["owner"]) for body in data["body"] for name in body["names"]), key=lambda body: -len(body[0])
    )
    joint = dict(data["joint"])
    return ActionCues(
        grammar=_word_sets(data["grammar"]),
        goals=frozenset(data["act"]["goals"]),
        outcomes=frozenset(data["act"]["outcomes"]),
        light_objects=frozenset(data["act"]["light_objects"]),
        abstract_objects=frozenset(data["act"]["abstract_objects"]),
        group_owner=joint.pop("group_owner"),
        joint=_word_sets(joint),
        bodies=tuple(bodies),
        times=tuple(TimeCue(frozenset(t["words"]), t["due"], t.get("needs_suffix", False)) for t in data["time"]),
        time_grammar=_word_sets({k: v for k, v in data["time_grammar"].items() if k != "eras"}),
        eras=dict(data["time_grammar"]["eras"]),
    )


@lru_cache(maxsize=1)
def default_action_cues() -> ActionCues:
    return load_action_cues(resources.files("bot.data").joinpath("actions.toml").read_text(encoding="utf-8"))


def find_actions(
    remarks: Sequence[RemarkText],
    meeting_date: datetime.date | None,
    next_meeting_date: datetime.date | None,
    table: AliasTable,
    cues: ActionCues,
) -> list[Action]:
    """The remarks of one meeting that hold an action, in order, each with its first action."""
    found = []
    for remark in remarks:
        action = remark_action(remark, meeting_date, next_meeting_date, table, cues)
        if action is not None:
            found.append(action)
    return found


def remark_action(
    remark: RemarkText,
    meeting_date: datetime.date | None,
    next_meeting_date: datetime.date | None,
    table: AliasTable,
    cues: ActionCues,
) -> Action | None:
    """The first action a remark states, read sentence by sentence; None when it states none."""
    for sentence in _sentences(morphemes(remark.text)):
        clauses = _clauses(sentence, cues)
        found = _sentence_action(clauses, cues)
        if found is None:
            continue
        kind, body = found
        owner = body if body else organisation_of(remark.speaker, table)
        due, due_words = _due(clauses, meeting_date, next_meeting_date, cues)
        text = "".join(m.surface for m in sentence)
        return Action(remark.remark_id, remark.speaker, remark.text, kind, owner, due, due_words, text)
    return None


def organisation_of(speaker: str, table: AliasTable) -> str:
    """The organisation a speaker acts for, by its first name in the alias table: 苫前町長 → 苫前町."""
    # A label without an organisation (事務局, 委員長(伊藤成一)) is itself the body that acts.
    organisation = split_label(speaker, table).organisation or speaker
    entity = table.entity_of(organisation)
    return entity.ja[0] if entity else organisation


# Sentences and clauses


def _sentences(tokens: list[Morpheme]) -> list[list[Morpheme]]:
    sentences, current = [], []
    for token in tokens:
        current.append(token)
        if token.pos[1] == "句点" or token.surface in "!?！？":
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return [s for s in sentences if any(not _is_mark(t) for t in s)]


def _is_mark(token: Morpheme) -> bool:
    return token.pos[0] in ("補助記号", "空白")


@dataclass(frozen=True)
class _Clause:
    tokens: tuple[Morpheme, ...]
    role: Role


def _clauses(sentence: list[Morpheme], cues: ActionCues) -> list[_Clause]:
    """The sentence cut at the commas that close a clause (not those after a phrase: 〜については、 来年度、)."""
    pieces: list[list[Morpheme]] = []
    current: list[Morpheme] = []
    for token in sentence:
        if token.pos[1] == "読点" and current and _closes_clause(current, cues):
            pieces.append(current)
            current = []
        else:
            current.append(token)
    if current:
        pieces.append(current)
    clauses = [_Clause(tuple(p), _role(p, cues)) for p in pieces[:-1]]
    return clauses + [_Clause(tuple(pieces[-1]), "final")] if pieces else []


def _closes_clause(tokens: list[Morpheme], cues: ActionCues) -> bool:
    last = tokens[-1]
    before = tokens[-2] if len(tokens) > 1 else None
    verb_index = len(tokens) - (2 if last.pos[1] == "接続助詞" and last.surface in TE else 1)
    verb = tokens[verb_index] if verb_index >= 0 else None
    if verb is not None and verb.pos[0] == "動詞":
        previous = tokens[verb_index - 1] if verb_index > 0 else None
        if previous is not None and previous.pos[1] == "格助詞" and verb.form in cues.words("phrase_verbs"):
            return False  # 〜について、 〜に向けて、 〜として、
        if verb.form in cues.words("adverb_verbs") and (previous is None or _is_mark(previous)):
            return False  # 引き続き、 あわせて、
    if last.pos[1] == "接続助詞":
        return True
    if last.pos[0] in ("動詞", "助動詞", "形容詞") and last.pos[5].startswith("連用形"):
        return True
    if last.form in cues.words("clause_nouns"):
        return True
    return before is not None and last.pos[1] == "格助詞" and before.form in cues.words("clause_nouns")


def _is_conditional(tokens: Sequence[Morpheme], i: int, cues: ActionCues) -> bool:
    """〜があれば, 〜したら: a condition; not the なけれ of 〜なければならない, nor the wish of 〜できればと思う."""
    token = tokens[i]
    if not token.pos[5].startswith("仮定形") or (token.pos[0] == "助動詞" and token.form in cues.words("negation")):
        return False
    return [t.form for t in tokens[i + 1 : i + 3]][-1:] != list(cues.words("quote_particle"))


def _has_condition(tokens: Sequence[Morpheme], cues: ActionCues) -> bool:
    return any(_is_conditional(tokens, i, cues) for i in range(len(tokens)))


def _is_connective(token: Morpheme, cues: ActionCues) -> bool:
    """What joins a clause to the next after its predicate: て, ので, ため, うえで, ながら, ことから."""
    return (
        token.pos[1] in ("接続助詞", "格助詞", "準体助詞")
        or token.form in cues.words("clause_nouns")
        or (token.pos[0] == "助動詞" and token.form == "だ")
    )


def _role(tokens: list[Morpheme], cues: ActionCues) -> Role:
    if _has_condition(tokens, cues):
        return "conditional"
    end = len(tokens)
    while end > 0 and _is_connective(tokens[end - 1], cues):
        end -= 1
    connective = [t.form for t in tokens[end:]]
    forms = [t.form for t in tokens[:end] if not _is_mark(t)]
    # 〜したうえで, 〜した後: one act after another, not a report.
    in_sequence = bool(set(connective) & cues.words("sequence_nouns"))
    if forms and forms[-1] in cues.words("past") and not in_sequence:
        return "report"
    if len(forms) >= 2 and forms[-2] in TE and forms[-1] in cues.words("progressive"):
        return "report"
    if set(connective) & cues.words("accompanying_particles"):
        return "accompanying"
    if set(connective) & cues.words("purpose_nouns"):
        return "purpose"
    if set(connective) & cues.words("reason_particles") or connective[:2] == ["の", "だ"]:
        return "reason"
    if forms[-2:] == ["だ", "有る"]:
        return "act" if forms[-3:-2] and forms[-3] in cues.words("plan_nouns") else "state"  # 〜する予定であり
    last = next((t for t in reversed(tokens[:end]) if not _is_mark(t)), None)
    return (
        "act"
        if last is not None and last.pos[0] in ("動詞", "助動詞") and last.form not in cues.words("negation")
        else "state"
    )  # 〜ではなく、 〜が難しく、


# The ending of a sentence


def _strip_ending(tokens: Sequence[Morpheme], cues: ActionCues) -> list[Morpheme]:
    """The tokens without the closing marks, politeness and copula: 予定です → 予定, 開設いたします → 開設いたし."""
    tail = list(tokens)
    while tail and _is_mark(tail[-1]):
        tail.pop()
    while tail and tail[-1].pos[0] == "助動詞" and tail[-1].form in cues.words("politeness"):
        tail.pop()
        if tail:  # the verb before ます is in its 連用形: read it as ending the sentence
            tail[-1] = Morpheme(tail[-1].surface, tail[-1].form, tail[-1].pos[:5] + ("終止形-一般",))
    if len(tail) >= 2 and tail[-1].form in cues.words("copula") and tail[-2].form in cues.words("plan_nouns") | {"だ"}:
        tail.pop()
    if len(tail) >= 2 and tail[-1].form == "だ" and tail[-2].form in cues.words("plan_nouns"):
        tail.pop()
    return tail


def _mood(tokens: Sequence[Morpheme], cues: ActionCues) -> tuple[Mood, list[Morpheme]]:
    """What the ending of a clause says, and the tokens that state the act (inside a quote: 〜したいと考えている)."""
    tail = _strip_ending(tokens, cues)
    if not tail:
        return "none", tail
    forms = [t.form for t in tail]
    quote = _quote_start(forms, cues)
    if quote is not None:
        inner = tail[:quote]
        if len(inner) >= 2 and inner[-1].form == "ば" and inner[-2].pos[5].startswith("仮定形"):
            # 〜できればと考えている, ご検討いただければと思う: a wish
            return ("request" if _asks(inner[:-1], cues) else "commitment"), inner[:-1]
        mood, act = _mood(inner, cues)
        inner_forms = [t.form for t in _strip_ending(inner, cues)]
        continuing = len(inner_forms) >= 2 and inner_forms[-1] in cues.words("continuing") and inner_forms[-2] in TE
        looks_ahead = inner_forms and (inner_forms[-1] in cues.words("wish") | cues.words("plan_nouns") or continuing)
        return (mood, act) if looks_ahead and mood in ("commitment", "request") else ("none", tail)
    last = tail[-1]
    if last.form in cues.words("past"):
        decided = len(forms) >= 4 and forms[-4] in cues.words("decision_noun") and forms[-3] in ("と", "に")
        return ("commitment" if decided else "report"), tail
    if last.form in cues.words("done_nouns"):
        if _quote_start(forms[:-1], cues) is not None:
            return _mood(tail[:-1], cues)  # 〜したいと考えているところ: a wish, not a report
        return "report", tail
    if last.form in cues.words("plan_nouns") and len(tail) >= 2:
        before = tail[-2]
        planned = (
            before.pos[0] == "動詞"
            and before.pos[5].startswith(("終止形", "連体形"))
            and before.form not in cues.words("auxiliary_verbs")
        ) or (before.form == "の" and len(tail) >= 3 and tail[-3].pos[2] == "サ変可能")  # 〜する予定, 〜開催の予定
        return ("commitment" if planned else "none"), tail
    if last.form in cues.words("wish"):
        core = tail[:-1]
        if len(core) >= 2 and core[-1].form in cues.words("continuing") and core[-2].form in TE:
            core = core[:-2]  # 〜に働きかけていきたい
        return ("request" if _asks(core, cues) else "commitment"), tail
    if len(forms) >= 2 and last.form in cues.words("light_verbs") and forms[-2] in cues.words("request_nouns"):
        return "request", tail  # お願い申し上げます
    if last.pos[0] != "動詞" or not last.pos[5].startswith(("終止形", "連体形")):
        return "none", tail
    after_te = len(forms) >= 2 and forms[-2] in TE
    if after_te and last.form in cues.words("progressive"):
        planned = len(forms) >= 4 and forms[-3] in cues.words("light_verbs") and forms[-4] in cues.words("plan_nouns")
        return ("commitment" if planned else "report"), tail  # 開催を予定している: a plan
    if after_te and last.form in cues.words("continuing"):
        return ("request" if _asks(tail[:-2], cues) else "commitment"), tail
    if _asks(tail, cues):
        return "request", tail
    if last.form in cues.words("auxiliary_verbs") or last.form in cues.words("quote_verbs"):
        return "none", tail
    return "plain", tail


def _quote_start(forms: list[str], cues: ActionCues) -> int | None:
    """Where 〜と思う / 〜と考えている begins (the index of と), if the sentence ends so."""
    end = len(forms)
    if end >= 2 and forms[-2] in TE and forms[-1] in cues.words("progressive"):
        end -= 2
    if end >= 2 and forms[end - 1] in cues.words("quote_verbs") and forms[end - 2] in cues.words("quote_particle"):
        return end - 2
    return None


def _asks(tokens: Sequence[Morpheme], cues: ActionCues) -> bool:
    """Whether the verb before an ending asks someone: 〜していただき(たい), お願いし(たい), 要望し(ていく)."""
    forms = [t.form for t in tokens]
    if not forms:
        return False
    if forms[-1] in cues.words("request_verbs"):
        return True
    return (
        forms[-1] in cues.words("light_verbs")
        and len(forms) >= 2
        and (forms[-2] in cues.words("request_nouns") | cues.words("request_verbs"))
    )


# The act named


def _heads(tokens: Sequence[Morpheme], cues: ActionCues) -> list[tuple[str, int]]:
    """The verbs of a clause that can head it, in order, with their index: 実施 of 実施する, 示す of お示しする,
    and "state" for a state aimed at (奨学金を軽くしたい, 〜ようにしたい)."""
    heads = []
    for i, token in enumerate(tokens):
        previous = tokens[i - 1] if i else None
        if token.form in cues.words("light_verbs") and previous is not None:
            if previous.pos[0] in ("名詞", "接尾辞"):
                heads.append((previous.form, i - 1))
            elif (
                previous.pos[0] == "形容詞"
                or previous.form in cues.words("state_markers")
                or (previous.pos[0] == "助動詞" and previous.form == "だ")
            ):
                heads.append(("state", i - 1))
            continue
        if token.pos[0] != "動詞" or token.form in cues.words("auxiliary_verbs") | cues.words("request_verbs"):
            continue
        quoting = previous is not None and previous.form in cues.words("quote_particle")
        if token.form in cues.words("quote_verbs") and quoting:
            continue
        if previous is not None and previous.pos[1] == "格助詞" and token.form in cues.words("phrase_verbs"):
            continue
        heads.append((token.form, i))
    return heads


def _names_act(tokens: Sequence[Morpheme], cues: ActionCues, dated: bool) -> bool:
    """Whether the head verb of a clause is a concrete act rather than a goal (取り組む, 努める, 協力…);
    an outcome (確保, 強化…) is one when the action has a time (`dated`)."""
    heads = _heads(tokens, cues)
    if not heads:
        return False
    head, index = heads[-1]
    if head in cues.light_objects:
        # 〜を行う, 〜を進める: the act is the object (調査を行う, not 取組を進める).
        particles = cues.words("object_particle")
        obj = next((tokens[i - 1] for i in range(index, 0, -1) if tokens[i].form in particles), None)
        head = obj.form if obj is not None else "state"
        if head in cues.abstract_objects:
            return False
    if head == "state" or head in cues.goals:
        return False
    return dated or head not in cues.outcomes


def _external_event(tokens: Sequence[Morpheme], cues: ActionCues) -> bool:
    """制度が始まる: the head verb has a subject and no object, an event someone else brings about
    (not the subject of a clause inside: 高齢者が利用しやすい交通手段の導入を検討する)."""
    heads = _heads(tokens, cues)
    if not heads:
        return False
    for token in reversed(tokens[: heads[-1][1]]):
        if token.pos[1] == "格助詞" and token.form in cues.words("subject_particle"):
            return True
        if token.form in cues.words("object_particle") or token.pos[0] in ("動詞", "形容詞", "助動詞"):
            return False
    return False


def _sentence_action(clauses: list[_Clause], cues: ActionCues) -> tuple[Kind, str | None] | None:
    """The kind of action a sentence states and the body that owns it (None: the speaker's organisation)."""
    if not clauses:
        return None
    final = clauses[-1]
    mood, act_tokens = _mood(final.tokens, cues)
    if mood == "report":
        return None
    joint = _joint_owner(clauses, cues)
    if joint is not None:
        return "joint", joint
    if mood == "none" or any(_has_condition(c.tokens, cues) for c in clauses):
        return None  # 〜があれば〜したい: a conditional offer
    acting = [c.tokens for c in clauses[:-1] if c.role == "act"] + [tuple(act_tokens)]
    if mood == "request":
        body = next((b for tokens in reversed(acting) if (b := _body_asked(tokens, cues))), None)
        return ("request", body) if body else None
    if _external_event(act_tokens, cues):
        return None
    dated = any(_time_words(c.tokens, cues) for c in clauses if c.role not in NOT_THE_ACT)
    if mood == "plain":
        tokens = [t for c in clauses for t in c.tokens]
        if _says(tokens, cues.words("now_words")) or not (dated or _says(tokens, cues.words("ahead_words"))):
            return None  # ただ今から会議を開催する; 資料をご紹介する
    return ("commitment", None) if any(_names_act(tokens, cues, dated) for tokens in acting) else None


def _joint_owner(clauses: list[_Clause], cues: ActionCues) -> str | None:
    """事務局 when the act goes through the secretariat (事務局を通じて), the group when a group acts together
    (管内市町村で一緒に, 管内市町村…とも一緒に); not partners helping (天塩町と一緒に, 管内市町村と連携し), nor
    a group with no act named (管内で一緒に取り組むことが大切)."""
    for index, clause in enumerate(clauses):
        if clause.role in NOT_THE_ACT:
            continue
        owner = _joint_marker(clause.tokens, cues)
        acts = [c.tokens for c in clauses[index:] if c.role not in NOT_THE_ACT]
        if owner is not None and any(_names_act(tokens, cues, dated=True) for tokens in acts):
            return owner
    return None


def _joint_marker(tokens: Sequence[Morpheme], cues: ActionCues) -> str | None:
    joint = cues.joint
    for i, token in enumerate(tokens):
        following = [t.form for t in tokens[i + 1 : i + 3]]
        through = len(following) == 2 and following[0] in cues.words("object_particle") and following[1] in joint["via"]
        if token.form in joint["channels"] and through:
            return cues.body_named(token.surface) or token.surface
        together = (
            0 < i < len(tokens) - 1
            and tokens[i - 1].form in joint["together_before"]
            and tokens[i + 1].form in joint["together_after"]
        )
        if token.form in joint["together"] and together and any(t.form in joint["groups"] for t in tokens[:i]):
            return cues.group_owner
    return None


def _body_asked(tokens: Sequence[Morpheme], cues: ActionCues) -> str | None:
    """The body a request is made to: the first of those addressed (国や道に → 国), else the first named."""
    named: list[tuple[str, str]] = []  # (owner, the particle after it)
    i = 0
    while i < len(tokens):
        match = _body_at(tokens, i, cues)
        if match is None:
            i += 1
            continue
        owner, end = match
        after = tokens[end].surface if end < len(tokens) else ""
        named.append((owner, after))
        i = end
    for index, (_owner, after) in enumerate(named):
        if after in cues.words("addressed"):
            listed = index
            while listed > 0 and named[listed - 1][1] in cues.words("listing"):
                listed -= 1
            return named[listed][0]
    return named[0][0] if named else None


def _phrase_end(tokens: Sequence[Morpheme], i: int, phrase: str) -> int | None:
    """Where `phrase` ends if the tokens from i spell it, whole tokens only (ただ今 is ただ + 今)."""
    text, end = "", i
    while end < len(tokens) and len(text) < len(phrase):
        text += tokens[end].surface
        end += 1
    return end if text == phrase else None


def _says(tokens: Sequence[Morpheme], phrases: frozenset[str]) -> bool:
    return any(_phrase_end(tokens, i, phrase) is not None for i in range(len(tokens)) for phrase in phrases)


def _body_at(tokens: Sequence[Morpheme], i: int, cues: ActionCues) -> tuple[str, int] | None:
    """A body named by the tokens from i, standing alone (道に, not 道の駅 or 北海道立), or asked for its help
    (振興局の協力をいただきたい): (owner, end index)."""
    if i > 0 and tokens[i - 1].pos[0] == "名詞":
        return None
    for name, owner in cues.bodies:
        end = _phrase_end(tokens, i, name)
        if end is None:
            continue
        after = tokens[end] if end < len(tokens) else None
        if after is None or (after.pos[0] in ("助詞", "補助記号") and after.form != "の") or after.surface == "とも":
            return owner, end
        if after.form == "の":
            asked_for = next((t for t in tokens[end + 1 : end + 3] if t.pos[0] != "接頭辞"), None)
            if asked_for is not None and asked_for.form in cues.words("request_objects"):
                return owner, end
    return None


# The due date


def _due(
    clauses: list[_Clause],
    meeting_date: datetime.date | None,
    next_meeting_date: datetime.date | None,
    cues: ActionCues,
) -> tuple[datetime.date | None, str | None]:
    """The first time words of the action's clauses (not of its reports: 今年度から無償化しており、) and their date."""
    for clause in clauses:
        if clause.role in NOT_THE_ACT:
            continue
        found = _time_words(clause.tokens, cues)
        if found is not None:
            words, rule, month, fiscal_year = found
            due = _resolve(rule, month, fiscal_year, meeting_date, next_meeting_date) if meeting_date else None
            return due, words
    return None, None


def _time_words(tokens: Sequence[Morpheme], cues: ActionCues) -> tuple[str, str, int | None, int | None] | None:
    """(the words as written, how their date is counted, the month of 3月末, the fiscal year of 令和8年度)
    of the first time words."""
    tg = cues.time_grammar
    for i, token in enumerate(tokens):
        month = fiscal_year = None
        following = [t.surface for t in tokens[i + 1 : i + 3]]
        if (
            token.pos[1] == "数詞"
            and following[:1]
            and following[0] in tg["month"]
            and token.surface.isdigit()
            and 1 <= int(token.surface) <= 12
        ):
            cue, month, end = None, int(token.surface), i + 2
        elif (
            token.surface in cues.eras
            and len(following) == 2
            and following[0].isdigit()
            and following[1] in tg["fiscal_year"]
        ):
            cue, fiscal_year, end = None, cues.eras[token.surface] + int(following[0]), i + 3
        else:
            cue = next((c for c in cues.times if token.surface in c.words), None)
            if cue is None:
                continue
            end = i + 1
        parts = [t.surface for t in tokens[i:end]]
        if (
            cue is not None
            and cue.due == "next_meeting"
            and [t.surface for t in tokens[end : end + 2]] in ([link, "会議"] for link in tg["linking"])
        ):
            parts += [t.surface for t in tokens[end : end + 2]]  # 次の会議までに
            end += 2
        suffixes = []
        while end < len(tokens):
            surface = tokens[end].surface
            if surface in tg["kept_suffixes"]:
                suffixes.append(surface)
                end += 1
            elif surface == "に" and end + 1 < len(tokens) and tokens[end + 1].form in tg["towards"]:
                suffixes += ["に", tokens[end + 1].surface] + (
                    ["て"] if end + 2 < len(tokens) and tokens[end + 2].surface == "て" else []
                )
                break
            elif surface == "に" and (
                (suffixes or parts)[-1].endswith(("まで", "中", "内"))
                or (cue is not None and cue.needs_suffix and not suffixes)
            ):  # 秋に
                suffixes.append(surface)
                break
            else:
                break
        if cue is not None and cue.needs_suffix and not suffixes:
            continue
        kept = set(suffixes)
        if month is not None:
            rule = (
                "month_end" if kept & (tg["month_end"] | {"まで"}) else "month_start" if kept & tg["since"] else "none"
            )
        elif fiscal_year is not None:
            rule = "fiscal_year_end" if kept & tg["month_end"] or "まで" in kept else "fiscal_year_start"
        else:
            rule = cue.due if cue else "none"
            if rule in ("fiscal_year_end", "calendar_year_end", "month_end") and kept & tg["since"]:
                continue  # 今年度から: begun already, not a time to be done by
            elif rule in ("next_fiscal_year", "next_month") and kept & tg["month_end"]:
                rule += "_end"  # 来年度中に: by the end of it
        return "".join(parts + suffixes), rule, month, fiscal_year
    return None


def _resolve(
    rule: str, month: int | None, fiscal_year: int | None, on: datetime.date, next_meeting: datetime.date | None
) -> datetime.date | None:
    """The date time words stand for, said on `on`; the fiscal year runs from April to March."""
    fiscal_start = fiscal_year if fiscal_year is not None else (on.year if on.month >= 4 else on.year - 1)
    if rule == "calendar_year_end":
        return datetime.date(on.year, 12, 31)
    if rule == "fiscal_year_end":
        return datetime.date(fiscal_start + 1, 3, 31)
    if rule == "next_fiscal_year":
        return datetime.date(fiscal_start + 1, 4, 1)
    if rule == "fiscal_year_start":
        start = datetime.date(fiscal_start, 4, 1)
        return start if start > on else None  # 令和7年度から, said in that year: begun already
    if rule == "next_fiscal_year_end":
        return datetime.date(fiscal_start + 2, 3, 31)
    if rule in ("next_month", "next_month_end"):
        first = datetime.date(on.year + on.month // 12, on.month % 12 + 1, 1)
        return first if rule == "next_month" else first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if rule == "next_meeting":
        return next_meeting
    if rule == "month_end" and month is None:
        return datetime.date(on.year, on.month, calendar.monthrange(on.year, on.month)[1])
    if month is not None and rule in ("month_end", "month_start"):
        for year in (on.year, on.year + 1):
            day = calendar.monthrange(year, month)[1] if rule == "month_end" else 1
            date = datetime.date(year, month, day)
            if date >= on:
                return date
    return None
