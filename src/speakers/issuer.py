"""The document's issuer: whose voice its unsourced sentences are (codebook §6.1, §6.7).

Read from what a pasted document carries before its body, and from what the user says of it:

* the document kind, from a header line ("Press Statement", "Readout", "Remarks", "Editorial"), from the title
  ("Joint Statement of ...", "Readout of the Secretary's Call with ..."), or from ``genre=``;
* an official named in the header ("Ann Holt, Secretary of State") or the title ("Remarks by Foreign Minister
  Rina Kaneshiro"): remarks and statements issued under a name are that person's;
* a publishing institution in the header ("Office of the Spokesperson", "Ministry of Foreign Affairs of Japan");
* a byline ("By Jo Reyes"): news, the narrator's voice;
* ``author=`` given by the user, which names the issuer outright.

News and opinion speak in the narrator's voice; official documents in their issuer's. When nothing tells, the
issuer is unknown (``Issuer.name is None``) and labelling says so (``role_source`` is ``classifier``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from src.labelling.furniture import HEADER_FIELDS as _HEADER_FIELDS
from src.labelling.furniture import document_kind_of_line, document_kinds
from src.speakers.affiliation import (
    JOINT,
    NARRATOR,
    DocumentRoles,
    load_affiliation_lexicon,
    phrase_role,
    strip_titles,
    title_case,
)
from src.speakers.cues import COUNTRY_PATTERN, join_parties
from src.speakers.lexicon import load_lexicon
from src.speakers.mentions import alias, person_tokens

_LEXICON = load_lexicon()
_COUNTRY_CANONICAL = _LEXICON.countries
_COUNTRY_ADJECTIVE = _LEXICON.country_adjectives
DEMONYMS = _LEXICON.demonyms

OFFICIAL_KINDS = frozenset({"press_statement", "remarks", "readout", "joint_statement", "press_conference"})
VOICE_KINDS = frozenset({"news", "opinion"})
# The corpus genres (codebook §9.3) as document kinds, for ``genre=`` given by the user.
GENRE_KINDS = {
    "news": "news",
    "editorial": "opinion",
    "commentary": "opinion",
    "readout": "readout",
    "joint_statement": "joint_statement",
    "transcript": "press_conference",
    "spokesperson": "press_statement",
}
_BYLINE = re.compile(r"^By\s+[A-Z]")
# A person's name: two to four capitalized words.
_PERSON = re.compile(r"[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){1,3}")
_TRAILING_BY = re.compile(r"\s+by\s+.*$")
# "Ambassador Ann Holt Answers Questions from ...", "Spokesperson Liu Bo Responds to ...".
_SUBJECT_ANSWERS = re.compile(
    r"^(?P<who>[A-Z][\w.'’\- ]{2,80}?)\s+(?:Answers|Responds|Replies|Takes|Speaks|Talks|Sits Down)\b"
)
_NAMED_BY = re.compile(
    r"\b(?:Remarks|Statement|Speech|Address|Message|Press Statement|Readout|Interview|Q&A|Conversation)"
    r"\s+(?:by|of|from|with)\s+"
    r"(?:the\s+)?(?P<who>[A-Z][\w.'’\- ]{2,80}?)(?=\s+(?:at|on|to|in|before|after|for|during|following|with)\b|[,:;]|$)"
)
_INTERVIEW_WITH = re.compile(r"\b(?:Interview|Conversation|Q&A)\s+with\b", re.I)
_OWNERS_INTERVIEW = re.compile(r"['’]s\s+(?:\w+\s+)?(?:Interview|Conversation|Q&A)\b", re.I)
_POSSESSIVE_OWNER = re.compile(
    r"^(?P<who>[A-Z][\w.'’\- ]{2,60}?)(?:'s|’s)\s+(?:\w+\s+){0,2}?"
    r"(?i:Remarks|Statement|Speech|Address|Press Conference|Press Briefing|Briefing|Interview)\b"
)
# "Ambassador Ann Holt's Roundtable with ...", "Transcript of Ambassador Ann Holt's interaction with ...": whatever
# the event is called, a titled person's possessive at the head of a title is whose words the document holds.
_TITLED_POSSESSIVE = re.compile(
    r"^(?:(?:Transcript|Full Text|Text|Video)(?:\s+of)?\s*:?\s+)?(?P<who>[A-Z][\w.'’\- ]{2,80}?)(?:'s|’s)\s",
    re.I,
)
# "Speech by Minister of Economy, Trade and Industry Ann Holt at ...": an office whose name holds commas.
_NAMED_BY_LONG = re.compile(
    r"\b(?:Remarks|Statement|Speech|Address|Message|Press Statement|Interview)\s+(?:by|of|from)\s+"
    r"(?:the\s+)?(?P<who>[A-Z][\w.'’\-, ]{2,120}?)"
    r"(?=\s+(?:at|on|to|in|before|after|for|during|following|with)\b|[:;]|$)"
)
# After "Remarks by the ASEAN Chair", an appositive that names the person: ", Foreign Minister Ann Holt of ...".
_APPOSITIVE = re.compile(
    r"^\s*,\s*(?P<who>[A-Z][\w.'’\- ]{2,80}?(?:\s+of\s+(?:the\s+)?[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*)*)?)"
    r"(?=,|\s+(?:at|on|to|in)\b|$)"
)
# A country after "of" at the end of a name phrase says whose official it is ("Ann Holt of Malaysia").
_OF_COUNTRY_TAIL = re.compile(r"\s+of\s+(?:the\s+)?[A-Z][\w.'’\- ]*$")
_STYLE_OF_ADDRESS = re.compile(r"^(?:The\s+)?(?:Rt\.?\s+)?(?:Hon(?:ourable|orable)?\.?|Right Honourable)\s+")
_POST_NOMINAL = re.compile(r"(?:,?\s+(?:" + "|".join(sorted(_LEXICON.postnominals)) + r"))+$")
# Words of a publishing body ("Ministry of Foreign Affairs", "U.S. Embassy", "White House", "Lowy Institute").
_BODY_WORDS = re.compile(
    r"\b(?:Ministry|Department|Embassy|Office|Mission|Government|Council|Consulate|House|Cabinet|Secretariat|"
    r"Commission|Agency|Institute|Cent(?:er|re)|Pentagon|Foundation|Forum|Parliament|Congress|Committee|"
    r"Kantei|Delegation|Service|Consulate-General)\b"
)
# Words that make a header field an office, not a person ("Department Spokesperson", "Press Office").
_OFFICE_WORDS = re.compile(
    r"\b(?:Spokesperson|Spokesman|Spokeswoman|Office|Ministry|Department|Embassy|Secretary|Minister|Ambassador)\b",
    re.I,
)
_NAME_THEN_OFFICE = re.compile(
    r"^(?P<name>[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){1,3}),\s+(?P<office>.{3,90})$"
)
_JOINT_PARTIES = re.compile(
    r"\bJoint\s+(?:Statement|Declaration|Communiqu[eé]|Press Statement|Readout)\b", re.I
)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)


def person_in(phrase: str) -> str | None:
    """The person a title or header phrase names, without titles, offices or a trailing "of <country>".

    ``"Chinese Embassy in Japan Spokesperson Xue Liang"`` -> ``"Xue Liang"``; ``"Foreign Minister Ann Holt of
    Malaysia"`` -> ``"Ann Holt"``; ``"MOFCOM Spokesperson"`` and ``"ASEAN Chair"`` -> ``None`` (an office).
    """
    phrase = title_case(_OF_COUNTRY_TAIL.sub("", phrase.strip()))
    # Parliamentary styles around a name ("The Hon Ann Holt MP") are not part of it.
    phrase = _POST_NOMINAL.sub("", _STYLE_OF_ADDRESS.sub("", phrase))
    tokens = person_tokens(phrase)
    if not tokens:
        return None
    name = " ".join(tokens)
    lexicon = load_affiliation_lexicon()
    if lexicon.title_pattern.fullmatch(name) or phrase_role(name) is not None:
        return None
    # "Minister Kirishima's speech": a surname after a title is a person too (the document may give the rest).
    titled_surname = len(tokens) == 1 and strip_titles(phrase) != phrase and tokens[0][:1].isupper()
    return name if _PERSON.fullmatch(name) or titled_surname else None


@dataclass(frozen=True)
class Issuer:
    """Who issued a document and in what voice its unsourced sentences speak.

    Attributes:
        kind: ``press_statement``, ``remarks``, ``readout``, ``joint_statement``, ``press_conference``, ``news``,
            ``opinion``, or ``None`` when nothing says.
        name: The speaker of unsourced sentences: an official ("Ann Holt"), an institution ("Office of the
            Spokesperson, U.S. Department of State" as written), the parties of a joint statement ("United
            States and Japan (joint statement)"), ``narrator``; ``None`` when unknown.
        role: That speaker's role, or ``None`` when the words do not tell.
        official: An official named in the header or title (answers a transcript's ``A:`` turns), or ``None``.
        official_role: The official's role, or ``None``.
        publisher: The publishing body as the header or title names it, or ``None``: a transcript's title is the
            publisher's (codebook D16), whoever speaks in its turns.
        publisher_role: The publisher's role, or ``None``.
    """

    kind: str | None = None
    name: str | None = None
    role: str | None = None
    official: str | None = None
    official_role: str | None = None
    publisher: str | None = None
    publisher_role: str | None = None

    @property
    def is_official(self) -> bool:
        return self.kind in OFFICIAL_KINDS


@lru_cache(maxsize=1)
def _title_kinds() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every document-kind phrase a headline may hold (not section words such as "World")."""
    phrases = {p: k for p, k in document_kinds().items() if k not in VOICE_KINDS or k == "opinion"}
    ordered = sorted(phrases, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, ordered)) + r")(?![\w-])")
    return pattern, phrases


def kind_in_title(title: str) -> str | None:
    """The document kind a title names ("Joint Statement of ...", "Readout of ...", "... Press Briefing")."""
    pattern, phrases = _title_kinds()
    found = [m.group() for m in pattern.finditer(title.casefold())]
    # The first kind named decides: "Opening Remarks by the Chair at the Ministers' Meeting" are remarks.
    return phrases[found[0]] if found else None


def _fuller_name(surname: str, lines: Sequence[str]) -> str | None:
    """The full name a header gives a person the title names by surname ("From: ... and The Hon Ann Holt MP")."""
    for field in _fields(lines):
        for piece in re.split(r"\s+and\s+|,\s*|:\s*", field):
            name = person_in(piece) if surname in piece else None
            if name and name.split()[-1] == surname and " " in name:
                return name
    return None


def _fields(lines: Sequence[str]) -> list[str]:
    """The fields of header lines ("Press Statement | Ann Holt, Secretary of State" has two)."""
    return [f.strip() for line in lines for f in _HEADER_FIELDS.split(line) if f.strip()]


def _named_official(text: str, roles: DocumentRoles) -> tuple[str | None, str | None]:
    """An official a title or header field names as its speaker ("Remarks by ...", "X Answers Questions")."""
    lexicon = load_affiliation_lexicon()
    # "Shared waters: Minister Holt's speech to ...": a topic before a colon, then the title proper.
    parts = [text, text.split(": ", 1)[1]] if ": " in text else [text]
    for pattern, part in (
        (pattern, part)
        for part in parts
        for pattern in (_NAMED_BY, _NAMED_BY_LONG, _POSSESSIVE_OWNER, _TITLED_POSSESSIVE, _SUBJECT_ANSWERS)
    ):
        text = part
        for match in pattern.finditer(text):
            who = _TRAILING_BY.sub("", match.group("who").strip())
            appositive = _APPOSITIVE.match(text[match.end() :])
            if appositive and person_in(appositive.group("who")):
                who = appositive.group("who")
            if lexicon.outlet(strip_titles(who)) or lexicon.outlet(who):
                continue  # "Interview with Outlet X": the outlet asks, it does not answer
            if (
                _INTERVIEW_WITH.search(match.group(0))
                and _OWNERS_INTERVIEW.search(text)
                and strip_titles(who) == who
                and not roles.known(who)
            ):
                # "Ambassador Holt's Interview with Harbor Daily": the owner is interviewed; an untitled name
                # after "with" is the interviewer (often an outlet no list holds).
                continue
            name = person_in(who)
            if name is None:
                continue  # an office or a body ("MOFCOM Spokesperson's Statement"): the publisher, if anything
            role = phrase_role(who) or roles.known(name)
            if role in (JOINT, NARRATOR, "other"):
                role = roles.known(name)
            if role:
                roles.remember(name, role)
            return name, role
    return None, None


def _office_in_title(title: str) -> str | None:
    """A body whose spokesperson or office issues the document, from the title ("MOFCOM Spokesperson's Statement")."""
    for pattern in (_POSSESSIVE_OWNER, _NAMED_BY):
        for match in pattern.finditer(title):
            who = match.group("who").strip()
            if person_in(who) is None and _OFFICE_WORDS.search(who):
                body = re.sub(
                    r"\s*\b(?:Spokesperson|Spokesman|Spokeswoman|Press Office|Office)\b\s*", " ", who
                ).strip()
                if load_affiliation_lexicon().title_pattern.search(body):
                    continue  # "Conversation with Japan's Minister of Defense": a person's office, not a body
                if body and phrase_role(body) not in (None, JOINT, NARRATOR, "other"):
                    return body
    return None


def _official_in(lines: Sequence[str], title: str, roles: DocumentRoles) -> tuple[str | None, str | None]:
    """An official named in the header ("Ann Holt, Secretary of State", "Statement of Spokesperson Ann Holt") or
    the title ("Remarks by ...", "Ambassador Ann Holt Answers Questions")."""
    fields = _fields(lines)
    for field in fields:
        match = _NAME_THEN_OFFICE.match(field)
        name = person_in(match.group("name")) if match else None
        if not name:
            continue
        office = match.group("office")
        role = phrase_role(office) or phrase_role(match.group("name")) or roles.known(name)
        if role in (JOINT, NARRATOR):
            role = None
        if role or _OFFICE_WORDS.search(office) or _OFFICE_WORDS.search(match.group("name")):
            if role:
                roles.remember(name, role)
            return name, role
    for text in (*fields, title):
        official = _named_official(text, roles)
        if official[0]:
            return official
    return None, None


def _publisher_in(lines: Sequence[str]) -> tuple[str | None, str | None]:
    """The first header field that names a government body, with its role.

    An office of a body ("Office of the Spokesperson") yields to the body a later field names ("U.S. Department
    of State"); a body without its country ("Department of Foreign Affairs") takes the country a header line
    names alone ("Republic of the Philippines").
    """
    fields = [piece for line in lines for piece in _HEADER_FIELDS.split(line)]
    country_line = next((c for c in map(_bare_country, [*lines, *fields]) if c), None)
    office: tuple[str, str] | None = None
    for line in lines:
        for piece in _HEADER_FIELDS.split(line):
            piece = piece.strip().rstrip(".:")
            if ":" in piece:  # "Source: Ministry of ..." names the body after its label
                piece = piece.split(":", 1)[1].strip()
            if not piece or document_kind_of_line(piece) or _BYLINE.match(piece):
                continue
            if any(c.isdigit() for c in piece) and "," not in piece:
                continue  # a date line; "Embassy of India, Tokyo, 3 September 2020" keeps its body
            body = _body_of(piece)
            if _bare_country(body):
                continue  # "Australian Government", "Government of India": the country line, not the body
            if not (
                _OFFICE_WORDS.search(body)
                or load_affiliation_lexicon().institution_pattern.search(body)
                or (_BODY_WORDS.search(body) and phrase_role(body) not in (None, JOINT, NARRATOR, "other"))
            ):
                continue  # a place line ("Singapore, June 3, 2023") says where, not who
            role = phrase_role(body)
            if country_line and _BODY_WORDS.search(body) and not COUNTRY_PATTERN.search(body):
                # "Ministry of External Affairs" under "Government of India": the country the header names
                placed = f"{body} of {country_line}"
                if role is None or phrase_role(placed) == role:
                    body, role = placed, phrase_role(placed)
            if role and role not in (JOINT, NARRATOR, "other"):
                if _SPOKESPERSON_OFFICE.match(body):
                    office = office or (_LEADING_THE.sub("", body), role)
                    continue
                return _LEADING_THE.sub("", body), role
    return office or (None, None)


def _bare_country(line: str) -> str | None:
    """The country a header line names and nothing else ("Republic of the Philippines", "Government of India",
    "Australian Government"), or ``None``."""
    line = line.strip().rstrip(".")
    bare = re.sub(
        r"^(?:[Tt]he\s+)?(?:Government\s+of\s+(?:the\s+)?)?"
        r"(?:(?:People's\s+|Federal\s+|Socialist\s+)?Republic\s+of\s+(?:the\s+)?|Kingdom\s+of\s+)?",
        "",
        line,
    )
    match = COUNTRY_PATTERN.fullmatch(bare)
    if match:
        return _COUNTRY_CANONICAL[match.group(1)]
    government = _ADJECTIVE_GOVERNMENT.fullmatch(line)
    return DEMONYMS.get(government.group(1)) if government else None


_ADJECTIVE_GOVERNMENT = re.compile(r"(?:[Tt]he\s+)?([A-Z][\w.]*(?:\s+[A-Z][\w.]*)?)\s+Government")


_SPOKESPERSON_OFFICE = re.compile(
    r"^(?:(?:the\s+)?Spokesperson'?s Office|Office of the Spokesperson|Press Office|Spokesperson|Press Release.*)$",
    re.I,
)


def _body_of(field: str) -> str:
    """The issuing body a comma-separated header field names, as one phrase.

    ``"Spokesperson's Office, Ministry of Foreign Affairs, Republic of Korea"`` -> ``"Ministry of Foreign Affairs of
    Republic of Korea"``; ``"Department of Foreign Affairs, Manila"`` -> ``"Department of Foreign Affairs of
    Manila"`` (a capital stands for its country); a field without commas is returned as it is.
    """
    # Dates and a named official ("Ann Holt, U.S. Embassy Tokyo") are not the body.
    pieces = [p.strip() for p in field.split(",") if p.strip() and not any(c.isdigit() for c in p)]
    while len(pieces) > 1 and (_SPOKESPERSON_OFFICE.match(pieces[0]) or person_in(pieces[0])):
        pieces = pieces[1:]
    if (
        len(pieces) >= 2
        and re.match(r"^(?:Ministry|Department) of\b", pieces[0])
        and pieces[1] in _COUNTRY_CANONICAL
    ):
        return f"{pieces[0]} of {pieces[1]}"
    return ", ".join(pieces)


# "G7 Leaders' Statement", "Quad Foreign Ministers' Joint Statement": the group and its members.
_GROUP_STATEMENT = re.compile(
    r"\b("
    + "|".join(map(re.escape, _LEXICON.statement_groups))
    + r")\s+((?:[A-Z][a-z]+\s+(?:and\s+)?){0,4}?(?:"
    + "|".join(map(re.escape, _LEXICON.statement_group_members))
    + r"))'?"
)
_MISSION_OF = re.compile(
    r"^((?:Permanent\s+)?(?:Embassy|Consulate(?:\s+General)?|Mission))\s+of\s+(?:the\s+)?(.+?)\s+((?:in|to)\s+.+)$"
)
_FORMAL_STYLE = re.compile(
    r"^(?:(?:People's|Federal|Socialist|Democratic)\s+)*(?:Republic|Kingdom)\s+of\s+(?:the\s+)?"
)
_MINISTRY_OF = re.compile(r"^((?:Ministry|Department) of [A-Z][\w ]*?) of (?:the )?(.+)$")
_INSTITUTIONAL = re.compile(
    r"\b(?:" + "|".join(map(re.escape, _LEXICON.institutional_publisher_words)) + r")\b"
)


def canonical_publisher(publisher: str) -> str:
    """ "Ministry of Foreign Affairs of Japan" -> "Japanese Ministry of Foreign Affairs", aliases applied."""
    publisher = publisher.strip()
    mission = _MISSION_OF.match(publisher)
    if mission:  # "Embassy of the People's Republic of China in Japan" -> "Chinese Embassy in Japan"
        country = _COUNTRY_CANONICAL.get(mission.group(2)) or _COUNTRY_CANONICAL.get(
            _FORMAL_STYLE.sub("", mission.group(2))
        )
        adjective = _COUNTRY_ADJECTIVE.get(country or "")
        if adjective:
            preposition, place = mission.group(3).split(" ", 1)
            host = _COUNTRY_CANONICAL.get(_LEADING_THE.sub("", place))  # "in the Commonwealth of Australia"
            if host:
                place = f"the {host}" if host in _LEXICON.parties_with_the else host
            return f"{adjective} {mission.group(1)} {preposition} {place}"
    match = _MINISTRY_OF.match(publisher)
    if match:
        place = match.group(2).strip()
        adjective = _COUNTRY_ADJECTIVE.get(place) or _COUNTRY_ADJECTIVE.get(_COUNTRY_CANONICAL.get(place, ""))
        if adjective:
            publisher = f"{adjective} {match.group(1)}"
    return alias(publisher)


_FORMAL_KOREA = re.compile(r"\b(?:Republic of Korea|ROK)\b")


def _joint_parties(text: str) -> str | None:
    """The parties a joint statement's title names, in its order. South Korea keeps the formal name the
    governments' joint documents give it ("Japan, the Republic of Korea and the United States") when the title
    uses it ("Republic of Korea", "ROK"); other states take their short names."""
    names = [_COUNTRY_CANONICAL[m.group(1)] for m in COUNTRY_PATTERN.finditer(text)]
    names = [n for n in dict.fromkeys(names) if n != "ASEAN"] or list(dict.fromkeys(names))
    if _FORMAL_KOREA.search(text):
        names = ["Republic of Korea" if n == "South Korea" else n for n in names]
    return join_parties(names)


def document_author(genre: str | None, title: str | None, publisher: str | None) -> str | None:
    """The issuing author of an official document, derived from its title and publisher only.

    Joint statements name their parties from the title ("Joint Statement of the U.S.-Japan ..." -> "United States
    and Japan (joint statement)", "G7 Leaders' ..." -> "G7 leaders (joint statement)") or the publisher; readouts and spokesperson
    statements name their publisher ("Ministry of Foreign Affairs of Japan" -> "Japanese Ministry of Foreign
    Affairs"); transcripts name an institutional publisher. Annotated speakers are never consulted.

    Returns:
        The author, or ``None`` for news, editorials, commentary and non-institutional transcripts.
    """
    title, publisher = title or "", publisher or ""
    if genre == "joint_statement":
        group = _GROUP_STATEMENT.search(title)
        if group:
            return f"{group.group(1)} {group.group(2).strip().lower()} (joint statement)"
        parties = _joint_parties(title) or _joint_parties(publisher)
        return f"{parties} (joint statement)" if parties else (canonical_publisher(publisher) or None)
    if genre in ("readout", "spokesperson"):
        return canonical_publisher(publisher) or None
    if genre == "transcript" and _INSTITUTIONAL.search(publisher):
        return canonical_publisher(publisher)
    return None


def _publisher_of(title: str, lines: Sequence[str]) -> tuple[str | None, str | None]:
    """The publishing body, from the header lines, else from the title ("MOFCOM Spokesperson's Statement")."""
    found, role = _publisher_in(lines)
    if found is None:
        found = _office_in_title(title)
        role = phrase_role(found) if found else None
    return found, role


def find_issuer(
    title: str,
    header: Sequence[str] = (),
    *,
    roles: DocumentRoles,
    genre: str | None = None,
    author: str | None = None,
    publisher: str | None = None,
) -> Issuer:
    """Work out the document's issuer from its title, header lines and what the user gave.

    Args:
        title: The headline (sentence 0).
        header: Header lines from ingestion (:attr:`src.labelling.ingest.Article.header`).
        roles: The document's role memory (officials found here are remembered in it).
        genre: A corpus genre given by the user (codebook §9.3), or ``None``.
        author: The issuing author given by the user, or ``None``.
        publisher: The publisher given by the user (an article table's source column), or ``None``.
    """
    lines = [*header, publisher] if publisher else list(header)
    found, role = _publisher_of(title, lines)
    issuer = _issuer(
        title, header, (found, role), roles=roles, genre=genre, author=author, publisher=publisher
    )
    if found is None:
        found = _other_body_in(lines)  # a think tank or university hosting the event (codebook D16: `other`)
        role = (phrase_role(found) or "other") if found else None
    if found is None or not _BODY_WORDS.search(found):
        return issuer  # an office alone ("Secretary of State") names a person's post, not a publishing body
    # As the header writes it: codebook D16 gives a transcript's title to "the publisher" as the page names it.
    return replace(issuer, publisher=_LEADING_THE.sub("", found.strip()), publisher_role=role)


def _other_body_in(lines: Sequence[str]) -> str | None:
    """The first header field that names a body of any kind ("Kestrel Institute", "Lowy Institute")."""
    for field in _fields(lines):
        field = field.strip().rstrip(".:")
        if ":" in field:
            field = field.split(":", 1)[1].strip()
        parts = re.split(r"\s+and\s+", field)
        while len(parts) > 1 and person_in(parts[-1]):  # "Ministry of ... and The Hon Ann Holt MP"
            parts.pop()
        field = " and ".join(parts)
        if (
            field
            and _BODY_WORDS.search(field)
            and not any(c.isdigit() for c in field)
            and len(field) <= 80
            and not document_kind_of_line(field)
            and not _BYLINE.match(field)
        ):
            return field
    return None


def _issuer(
    title: str,
    header: Sequence[str],
    body: tuple[str | None, str | None],
    *,
    roles: DocumentRoles,
    genre: str | None,
    author: str | None,
    publisher: str | None,
) -> Issuer:
    """The issuer without its publisher fields (see :func:`find_issuer`); ``body`` is the publishing body and its
    role, found once by the caller."""
    kind = GENRE_KINDS.get(genre or "") or next(filter(None, map(document_kind_of_line, header)), None)
    bylined = any(_BYLINE.match(line) for line in header)
    titled_kind = kind_in_title(title)
    if kind == "press_statement" and titled_kind == "readout" and not genre:
        kind = "readout"  # a "Press Release" whose title names a meeting or a call reports it (a readout)
    kind = kind or titled_kind or ("news" if bylined else None)
    header = [*header, publisher] if publisher else list(header)
    official, official_role = _official_in(header, title, roles)
    if official and " " not in official:
        official = _fuller_name(official, header) or official
    if kind in ("remarks", "press_statement") and bylined:
        # "By Ann Holt, Minister for Foreign Affairs" above a speech: the byline names who speaks, fully.
        byline = next(line for line in header if _BYLINE.match(line))
        named = person_in(byline[2:].strip().split(",")[0])
        if named and (official is None or named.split()[-1] == official.split()[-1]):
            official = named
            office = byline.split(",", 1)[1] if "," in byline else ""
            official_role = phrase_role(office) or roles.known(named) or official_role
    found_publisher, publisher_role = body
    if official and official_role is None and publisher_role:
        # An official without a country in the header of a ministry's page speaks for that ministry's side.
        official_role = publisher_role
        roles.remember(official, official_role)
    # A statement or remarks issued under an official's name are the official's, whoever publishes them (codebook
    # §6.7: the issuing author; the corpus names a spokesperson who is named, and the institution when the
    # spokesperson is not). "Keynote Address by Prime Minister X" under a "Transcript" line is X's too.
    issued_under_name = official is not None and (
        kind in ("remarks", "press_statement", None) or kind_in_title(title) == "remarks"
    )
    if genre and publisher:
        # Metadata as an article table gives it (the bundled corpus): the codebook's naming conventions.
        if issued_under_name and not author:
            return Issuer(kind, official, official_role, official, official_role)
        author = author or document_author(genre, title, publisher)
        if kind in VOICE_KINDS:
            return Issuer(kind, NARRATOR, NARRATOR, official, official_role)
        if author and kind == "joint_statement":
            return Issuer(kind, author, JOINT, official, official_role)
    if author:
        return Issuer(
            kind or "press_statement",
            author,
            phrase_role(author) or roles.known(author) or publisher_role,
            official,
            official_role,
        )
    if kind in VOICE_KINDS or (kind is None and bylined):
        return Issuer(kind or "news", NARRATOR, NARRATOR, official, official_role)
    if kind == "joint_statement" or _JOINT_PARTIES.search(title):
        parties = _joint_parties(title) or _joint_parties(" ".join(header))
        name = f"{parties} (joint statement)" if parties else found_publisher
        return Issuer("joint_statement", name, JOINT, official, official_role)
    if issued_under_name:
        return Issuer(kind or "remarks", official, official_role, official, official_role)
    if found_publisher:
        return Issuer(
            kind or "press_statement",
            canonical_publisher(found_publisher),
            publisher_role,
            official,
            official_role,
        )
    if official:
        return Issuer(kind or "press_statement", official, official_role, official, official_role)
    return Issuer(kind)
