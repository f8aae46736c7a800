"""Staff, class lists (groups) and programmes, and what an enrolments file does with unknown names.

Called by the engine inside its transaction with rows already parsed. Every person a row names is
reported to :class:`imports.grants.AccessWatch` before the row is written, so the preview can list
who gains access to pupils. What each kind does: docs/imports.md, "What the pupils, staff, groups,
programmes and enrolments files do".

Rows are matched and checked here; each programme is then saved by
``interventions.services_ui.programme_write`` and each teaching group by
``pupils.services.teaching_group_write``, the same writes the pages use.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.text import slugify

from imports.grants import AccessWatch
from imports.rows import RowError, lines_text
from interventions.models import AreaOfNeed, MeasureKind, Programme
from interventions.services_ui import programme_write
from pupils.models import Membership, Pupil, Role, School, Subject, TeachingGroup, TrustMembership
from pupils.services import StaffLookup, SubjectLookup, staff_display_name, teaching_group_write
from staff.tokens import welcome_path

#: Names longer than the field are cut to it when an import makes the record (a programmes file's are refused).
PROGRAMME_NAME_MAX = Programme._meta.get_field("name").max_length
GROUP_NAME_MAX = TeachingGroup._meta.get_field("name").max_length

# --- Reading cells ---------------------------------------------------------------------------------


def squash(text: str) -> str:
    """A name as names are compared: letters and digits only, any case ("Toe-by-toe" = "toe by toe")."""
    return re.sub(r"[^0-9a-z]+", "", (text or "").casefold())


#: Role words as staff lists write them, squashed. "trust" is a trust leader (TrustMembership).
ROLE_WORDS: dict[str, str] = {
    "senco": Role.SENCO, "sendco": Role.SENCO, "sencoordinator": Role.SENCO,
    "inclusionmanager": Role.SENCO, "senlead": Role.SENCO,
    "teacher": Role.TEACHER, "classteacher": Role.TEACHER, "subjectteacher": Role.TEACHER, "tutor": Role.TEACHER,
    "formtutor": Role.TEACHER,
    "ta": Role.TA, "teachingassistant": Role.TA, "lsa": Role.TA, "learningsupportassistant": Role.TA,
    "hlta": Role.TA, "supportstaff": Role.TA,
    "governor": Role.GOVERNOR, "sengovernor": Role.GOVERNOR,
    "data": Role.DATA_MANAGER, "datamanager": Role.DATA_MANAGER, "dataofficer": Role.DATA_MANAGER,
    "datamanagerexams": Role.DATA_MANAGER,
    "trust": "trust", "trustleader": "trust",
}  # fmt: skip
ROLES_HELP = "senco, teacher, ta, governor, data or trust (also SENCo, Teaching Assistant, Data Manager); ';' between several"


def parse_roles(text: str) -> tuple[str, ...]:
    roles: list[str] = []
    for part in re.split(r"[;,/]|\band\b", text):
        if not part.strip():
            continue
        role = ROLE_WORDS.get(squash(part))
        if role is None:
            raise ValueError(f"{part.strip()!r} is not a role; use {ROLES_HELP}")
        if role not in roles:
            roles.append(role)
    if not roles:
        raise ValueError(f"no role given; use {ROLES_HELP}")
    return tuple(roles)


def parse_email(text: str) -> str:
    email = text.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValueError(f"{text!r} is not an email address") from None
    return email


_AREA_WORDS = {squash(value): value for value in AreaOfNeed.values} | {
    squash(label): value for value, label in AreaOfNeed.choices
} | {
    "ci": AreaOfNeed.COMMUNICATION, "candi": AreaOfNeed.COMMUNICATION, "cl": AreaOfNeed.COGNITION,
    "candl": AreaOfNeed.COGNITION, "learning": AreaOfNeed.COGNITION, "literacy": AreaOfNeed.COGNITION,
    "numeracy": AreaOfNeed.COGNITION, "spd": AreaOfNeed.SENSORY, "sensoryandphysical": AreaOfNeed.SENSORY,
    "physical": AreaOfNeed.SENSORY, "sandp": AreaOfNeed.SENSORY, "semh": AreaOfNeed.SEMH,
    "socialemotionalandmentalhealth": AreaOfNeed.SEMH, "emotional": AreaOfNeed.SEMH,
}  # fmt: skip
AREA_HELP = "communication, cognition, semh or sensory (or their names: 'Cognition and learning', 'C&L', 'SEMH', ...)"


def parse_area(text: str) -> str:
    area = _AREA_WORDS.get(squash(text.replace("&", "and")))
    if area is None:
        raise ValueError(f"{text!r} is not an area of need; use {AREA_HELP}")
    return area


_MEASURE_WORDS = {squash(value): value for value in MeasureKind.values} | {
    squash(label): value for value, label in MeasureKind.choices
} | {
    "readingage": MeasureKind.READING, "spellingage": MeasureKind.SPELLING, "standardisedscore": MeasureKind.STANDARDISED,
    "standardscore": MeasureKind.STANDARDISED, "ss": MeasureKind.STANDARDISED, "sdqtotal": MeasureKind.SDQ,
    "ratings": MeasureKind.RATING, "levels": MeasureKind.LEVEL, "teacherassessment": MeasureKind.LEVEL, "": MeasureKind.NONE,
    "nomeasure": MeasureKind.NONE, "nosetmeasure": MeasureKind.NONE,
}  # fmt: skip
MEASURE_HELP = "reading, spelling, standardised, sdq, boxall, rating, level or none (blank: none)"


def parse_measure(text: str) -> str:
    measure = _MEASURE_WORDS.get(squash(text))
    if measure is None:
        raise ValueError(f"{text!r} is not a measure; use {MEASURE_HELP}")
    return measure


def parse_cost(text: str) -> Decimal:
    cleaned = text.replace("£", "").replace(",", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount of money; write it like 12.50") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1000000"):
        raise ValueError(f"{text!r} is out of range for a cost per session (0 to 999999.99)")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{text!r} has more than two decimal places")
    return value.quantize(Decimal("0.01"))


# --- Matching staff --------------------------------------------------------------------------------

_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "rev"}


class StaffMatcher:
    """Members of staff at a school by username, email or "First Last" (``StaffLookup``), and as
    class lists and MIS reports write them: "Mrs T. Assistant", "Smith, Anna", "A Smith", when
    exactly one person fits."""

    def __init__(self, school: School):
        self.school = school
        self.lookup = StaffLookup(school)
        self.users = list(self.lookup._users.values())

    def resolve(self, text: str) -> Any:
        """The user, None when nobody matches, or ValidationError when several people do."""
        try:
            return self.lookup.resolve(text)
        except ValidationError as exc:
            if "several" in " ".join(exc.messages):
                raise
        words = [w for w in re.split(r"[\s.]+", text.replace(",", " , ")) if w]
        if "," in words:  # "Smith, Anna" or "Smith, A"
            at = words.index(",")
            surname, first = " ".join(words[:at]), " ".join(words[at + 1 :])
        else:
            words = [w for w in words if squash(w) not in _TITLES]
            if len(words) < 1:
                return None
            surname, first = words[-1], " ".join(words[:-1])
        first = squash(first)
        fits = [
            user for user in self.users
            if squash(user.last_name) == squash(surname) and squash(user.first_name).startswith(first)
        ]  # fmt: skip
        if len(fits) == 1:
            return fits[0]
        if len(fits) > 1:
            names = ", ".join(sorted(user.get_username() for user in fits))
            raise ValidationError(f"{text!r} matches several members of staff ({names}): use the username or email")
        return None


def _unmatched_warning(school: School, unmatched: dict[str, list[int]], what: str) -> list[str]:
    return [
        f"{name!r} matches no member of staff at {school.name}: {what} ({lines_text(lines)})"
        for name, lines in unmatched.items()
    ]


# --- Enrolments: programmes and staff the school does not have yet ----------------------------------


def prepare_enrolments(
    lines: list[int], rows: list[dict[str, Any]], school: School, result: Any, watch: AccessWatch
) -> None:
    """Give each service row a Programme (creating those the school lacks) and a user or, when no
    account matches, the staff name as text. Errors (several people match) go to ``result``."""
    programmes = {squash(p.name): p for p in Programme.objects.filter(school=school)}
    created: dict[str, list[int]] = {}
    matcher: StaffMatcher | None = None
    unmatched: dict[str, list[int]] = defaultdict(list)
    for line, row in zip(lines, rows, strict=True):
        name = " ".join(str(row["programme"]).split())
        key = squash(name)
        if not key:
            result.errors.append(RowError(line, "programme", f"{name!r} is not a programme name"))
            continue
        if key not in programmes:
            programme = Programme(
                school=school, name=name[:PROGRAMME_NAME_MAX], area_of_need="", cost_per_session=Decimal("0"),
                default_measure=MeasureKind.NONE,
            )  # fmt: skip
            try:
                programme_write(programme=programme)
            except ValidationError as exc:
                result.errors.extend(RowError(line, "programme", message) for message in exc.messages)
                continue
            programmes[key] = programme
            created[programme.name] = []
        programme = programmes[key]
        if programme.name in created:
            created[programme.name].append(line)
        row["programme"] = programme
        staff = row.get("staff")
        if staff in (None, ""):
            continue
        matcher = matcher or StaffMatcher(school)
        try:
            user = matcher.resolve(staff)
        except ValidationError as exc:
            result.errors.extend(RowError(line, "staff", message) for message in exc.messages)
            continue
        if user is None:
            row["staff"] = None
            row["staff_text"] = " ".join(staff.split())
            unmatched[row["staff_text"]].append(line)
        else:
            row["staff"] = user
            watch.watch(user, line)
    for name, used in created.items():
        result.notes.append(
            f"New programme {name!r} ({lines_text(used)}): no area of need or cost yet, and judged by reading and "
            "spelling ages until a measure is set; the SENCo completes it on the programme's page"
        )
    result.warnings.extend(
        _unmatched_warning(school, unmatched, "kept as text on the intervention group; it gives nobody access")
    )


# --- Staff -----------------------------------------------------------------------------------------


def _may_grant_senco(user: Any, school: School) -> bool:
    """The command line (no user) and the SENCo may give the SENCo's or a trust role; no one else."""
    if user is None:
        return True
    return Membership.objects.filter(user=user, school=school, role=Role.SENCO).exists()


def apply_staff(
    parsed: list[tuple[int, dict[str, Any]]], school: School, user: Any, result: Any, watch: AccessWatch,
    *, dry_run: bool,
) -> None:
    User = get_user_model()
    emails = [values["email"] for _, values in parsed]
    usernames = [values["username"] for _, values in parsed if values.get("username")]
    by_email: dict[str, list] = defaultdict(list)
    for person in User.objects.annotate(lower_email=Lower("email")).filter(lower_email__in=emails):
        by_email[person.email.lower()].append(person)
    wanted = [name.casefold() for name in usernames + emails]
    by_username = {
        person.username.casefold(): person
        for person in User.objects.annotate(lower_name=Lower("username")).filter(lower_name__in=wanted)
    }
    may_grant = _may_grant_senco(user, school)
    first_line: dict[str, int] = {}
    for line, values in parsed:
        email, roles = values["email"], values["role"]
        if email in first_line:
            result.errors.append(RowError(line, None, f"repeats line {first_line[email]} (the same email)"))
            continue
        first_line[email] = line
        if not may_grant and ({Role.SENCO, "trust"} & set(roles)):
            result.errors.append(RowError(line, "role", "only the SENCo can give the SENCo's or a trust leader's role"))
            continue
        if "trust" in roles and school.trust_id is None:
            result.errors.append(RowError(line, "role", f"{school.name} is in no trust, so there is no trust role to give"))
            continue
        matches = {p.pk: p for p in by_email.get(email, [])}
        if len(matches) > 1:
            result.errors.append(RowError(line, "email", f"several accounts have the email {email}; an administrator must merge them"))
            continue
        person = next(iter(matches.values()), None)
        username = values.get("username") or email
        if person is None:
            taken = by_username.get(username.casefold())
            if taken is not None:
                if values.get("username"):
                    result.errors.append(RowError(
                        line, "username", f"the username {username!r} belongs to another person ({taken.email or 'no email'})"
                    ))
                    continue
                username = f"{email.split('@')[0]}.{len(by_username) + 1}"
            person = User(username=username, email=email, first_name=values["first_name"], last_name=values["surname"])
            person.set_unusable_password()
            try:
                person.full_clean(exclude=["password"])
            except ValidationError as exc:
                result.errors.extend(RowError(line, None, m) for m in exc.messages)
                continue
            person.save()
            by_username[person.username.casefold()] = person
            by_email[email] = [person]
            outcome = "created"
        else:
            outcome = "unchanged"
            if (person.first_name, person.last_name) != (values["first_name"], values["surname"]):
                person.first_name, person.last_name = values["first_name"], values["surname"]
                person.save(update_fields=["first_name", "last_name"])
                outcome = "updated"
        watch.watch(person, line)
        for role in roles:
            if role == "trust":
                _, made = TrustMembership.objects.get_or_create(user=person, trust_id=school.trust_id)
            else:
                _, made = Membership.objects.get_or_create(user=person, school=school, role=role)
            if made and outcome == "unchanged":
                outcome = "updated"
        result.outcomes[line] = outcome
        setattr(result, outcome, getattr(result, outcome) + 1)
        if outcome == "created" and not dry_run:  # once: the SENCo's staff pages give a new link later
            result.accounts.append({
                "name": staff_display_name(person), "email": person.email, "username": person.get_username(),
                "path": welcome_path(person),  # the staff pages' own link (staff.tokens)
            })  # fmt: skip


# --- Class lists -----------------------------------------------------------------------------------


def _find_pupils(parsed: list[tuple[int, dict[str, Any]]], school: School) -> tuple[dict[str, Pupil], dict[tuple, list[Pupil]]]:
    upns = sorted({values["upn"] for _, values in parsed if values.get("upn")})
    by_upn: dict[str, Pupil] = {}
    for start in range(0, len(upns), 2000):
        for pupil in school.pupils.filter(upn__in=upns[start : start + 2000]):
            by_upn[pupil.upn] = pupil
    by_name: dict[tuple, list[Pupil]] = defaultdict(list)
    if any(not values.get("upn") for _, values in parsed):
        for pupil in school.pupils.all():
            by_name[(squash(pupil.surname), squash(pupil.forename), pupil.date_of_birth)].append(pupil)
    return by_upn, by_name


def apply_groups(
    parsed: list[tuple[int, dict[str, Any]]], school: School, result: Any, watch: AccessWatch
) -> None:
    by_upn, by_name = _find_pupils(parsed, school)
    subjects = SubjectLookup()
    new_subjects: dict[str, list[int]] = {}
    groups = {squash(g.name): g for g in TeachingGroup.objects.filter(school=school).select_related("subject")}
    members: dict[int, set[int]] = defaultdict(set)
    staff_of: dict[int, set[int]] = defaultdict(set)
    for through in TeachingGroup.pupils.through.objects.filter(teachinggroup__school=school):
        members[through.teachinggroup_id].add(through.pupil_id)
    for through in TeachingGroup.staff.through.objects.filter(teachinggroup__school=school):
        staff_of[through.teachinggroup_id].add(through.user_id)
    matcher = StaffMatcher(school)
    unmatched: dict[str, list[int]] = defaultdict(list)
    subject_line: dict[int, tuple[Any, int]] = {}
    first_line: dict[tuple, int] = {}
    new_groups: dict[str, list[int]] = {}
    planned: list[tuple[int, TeachingGroup, Pupil, list[Any]]] = []
    for line, values in parsed:
        # The pupil: by UPN, else by surname, forename and date of birth.
        if values.get("upn"):
            pupil = by_upn.get(values["upn"])
            if pupil is None:
                result.errors.append(RowError(line, "upn", f"no pupil with UPN {values['upn']} at {school.name}: import the pupils file first"))
                continue
        elif values.get("surname") and values.get("forename") and values.get("date_of_birth"):
            found = by_name.get((squash(values["surname"]), squash(values["forename"]), values["date_of_birth"]), [])
            who = f"{values['forename']} {values['surname']}, born {values['date_of_birth']:%d/%m/%Y}"
            if len(found) != 1:
                problem = "no pupil" if not found else f"{len(found)} pupils"
                result.errors.append(RowError(line, None, f"{problem} at {school.name} is {who}: give the UPN"))
                continue
            pupil = found[0]
        else:
            result.errors.append(RowError(line, "upn", "is blank: give the UPN, or the surname, forename and date of birth"))
            continue
        # The subject, made if the school has not got it (a class list names every subject taught).
        subject = None
        if values.get("subject"):
            try:
                subject = subjects.resolve(values["subject"])
            except ValidationError:
                name = " ".join(values["subject"].split())[:100]
                subject = Subject(code=_subject_code(name), name=name)
                subject.save()
                subjects = SubjectLookup()
                new_subjects[name] = []
            if subject.name in new_subjects:
                new_subjects[subject.name].append(line)
        # The group, made if new.
        name = " ".join(values["group"].split())
        group = groups.get(squash(name))
        if group is None:
            group = TeachingGroup(
                school=school, name=name[:GROUP_NAME_MAX], subject=subject, year_group=pupil.year_group
            )
            try:
                teaching_group_write(group=group)
            except ValidationError as exc:
                result.errors.extend(RowError(line, "group", m) for m in exc.messages)
                continue
            groups[squash(name)] = group
            new_groups[group.name] = []
        if group.name in new_groups:
            new_groups[group.name].append(line)
        if subject is not None:
            if group.pk in subject_line and subject_line[group.pk][0] != subject:
                earlier, at = subject_line[group.pk]
                result.errors.append(RowError(line, "subject", f"line {at} gives {group.name} the subject {earlier.name}, this line {subject.name}"))
                continue
            subject_line[group.pk] = (subject, line)
        key = (group.pk, pupil.pk)
        if key in first_line:
            result.errors.append(RowError(line, None, f"repeats line {first_line[key]} (the same group and pupil)"))
            continue
        first_line[key] = line
        # The staff: ';' between several.
        staff: list[Any] = []
        for text in [t.strip() for t in re.split(r";|\n", values.get("staff") or "") if t.strip()]:
            try:
                person = matcher.resolve(text)
            except ValidationError as exc:
                result.errors.extend(RowError(line, "staff", m) for m in exc.messages)
                continue
            if person is None:
                unmatched[text].append(line)
            else:
                watch.watch(person, line)
                staff.append(person)
        planned.append((line, group, pupil, staff))
    if result.errors:
        return
    pupil_links, staff_links, subject_changes = [], [], {}
    for group_pk, (subject, _) in subject_line.items():
        subject_changes[group_pk] = subject
    for line, group, pupil, staff in planned:
        outcome = "unchanged"
        if pupil.pk not in members[group.pk]:
            members[group.pk].add(pupil.pk)
            pupil_links.append(TeachingGroup.pupils.through(teachinggroup_id=group.pk, pupil_id=pupil.pk))
            outcome = "created"
        for person in staff:
            if person.pk not in staff_of[group.pk]:
                staff_of[group.pk].add(person.pk)
                staff_links.append(TeachingGroup.staff.through(teachinggroup_id=group.pk, user_id=person.pk))
                outcome = "updated" if outcome == "unchanged" else outcome
        if group.pk in subject_changes and group.subject_id != subject_changes[group.pk].pk:
            group.subject = subject_changes[group.pk]
            try:
                teaching_group_write(group=group)
            except ValidationError as exc:
                result.errors.extend(RowError(line, "subject", m) for m in exc.messages)
                continue
            outcome = "updated" if outcome == "unchanged" else outcome
        result.outcomes[line] = outcome
        setattr(result, outcome, getattr(result, outcome) + 1)
    TeachingGroup.pupils.through.objects.bulk_create(pupil_links, batch_size=2000)
    TeachingGroup.staff.through.objects.bulk_create(staff_links, batch_size=2000)
    for name, used in new_groups.items():
        result.notes.append(f"New teaching group {name!r} ({lines_text(used)})")
    for name, used in new_subjects.items():
        result.notes.append(f"New subject {name!r} ({lines_text(used)})")
    result.warnings.extend(
        _unmatched_warning(school, unmatched, "the group is imported without them; import the staff file first to attach them")
    )


def _subject_code(name: str) -> str:
    base = (slugify(name) or "subject")[:26]
    code, n = base, 1
    while Subject.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def place_in_registration_groups(rows: list[tuple[int, Pupil, str | None]], school: School, result: Any) -> None:
    """A pupils file's ``reg_group``: each pupil into the teaching group of that name (made if new,
    with no subject). Nobody's access changes: a group made here has no staff."""
    wanted = [(line, pupil, " ".join(name.split())) for line, pupil, name in rows if name and name.strip()]
    if not wanted:
        return
    groups = {squash(g.name): g for g in TeachingGroup.objects.filter(school=school)}
    members = defaultdict(set)
    for through in TeachingGroup.pupils.through.objects.filter(teachinggroup__school=school):
        members[through.teachinggroup_id].add(through.pupil_id)
    new_groups: dict[str, list[int]] = {}
    links, placed = [], []
    for line, pupil, name in wanted:
        group = groups.get(squash(name))
        if group is None:
            group = TeachingGroup(school=school, name=name[:GROUP_NAME_MAX], year_group=pupil.year_group)
            try:
                teaching_group_write(group=group)
            except ValidationError as exc:
                result.errors.extend(RowError(line, "reg_group", m) for m in exc.messages)
                continue
            groups[squash(name)] = group
            new_groups[group.name] = []
        if group.name in new_groups:
            new_groups[group.name].append(line)
        if pupil.pk not in members[group.pk]:
            members[group.pk].add(pupil.pk)
            links.append(TeachingGroup.pupils.through(teachinggroup_id=group.pk, pupil_id=pupil.pk))
            placed.append(line)
    TeachingGroup.pupils.through.objects.bulk_create(links, batch_size=2000)
    for name, used in new_groups.items():
        result.notes.append(f"New registration group {name!r} ({lines_text(used)})")
    if placed:
        count = len(placed)
        result.notes.append(f"{count} pupil{'s' if count != 1 else ''} put in their registration group ({lines_text(placed)})")


# --- Programmes ------------------------------------------------------------------------------------


def apply_programmes(parsed: list[tuple[int, dict[str, Any]]], school: School, result: Any) -> None:
    programmes = {squash(p.name): p for p in Programme.objects.filter(school=school)}
    first_line: dict[str, int] = {}
    for line, values in parsed:
        name = " ".join(values["name"].split())
        key = squash(name)
        if not key:
            result.errors.append(RowError(line, "name", f"{name!r} is not a programme name"))
            continue
        if key in first_line:
            result.errors.append(RowError(line, None, f"repeats line {first_line[key]} (the same programme)"))
            continue
        first_line[key] = line
        programme = programmes.get(key)
        outcome = "unchanged"
        if programme is None:
            programme = Programme(school=school, name=name, cost_per_session=Decimal("0"), default_measure=MeasureKind.NONE)
            outcome = "created"
        changes = {
            "area_of_need": values["area_of_need"],
            "cost_per_session": values["cost_per_session"],
            "default_measure": values["default_measure"],
            "description": values["description"],
        }
        for field, value in changes.items():
            if value is not None and getattr(programme, field) != value:  # a blank cell keeps what is stored
                setattr(programme, field, value)
                outcome = "updated" if outcome == "unchanged" else outcome
        if outcome != "unchanged":  # a row that changes nothing leaves the stored (checked) programme alone
            try:
                programme_write(programme=programme)
            except ValidationError as exc:
                result.errors.extend(RowError(line, None, m) for m in exc.messages)
                continue
        programmes[key] = programme
        result.outcomes[line] = outcome
        setattr(result, outcome, getattr(result, outcome) + 1)
