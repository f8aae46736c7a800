"""Writes for the first run, staff accounts and their roles, and teaching groups (docs/roles.md ("Staff and teaching groups") and docs/operations.md ("First run")).

One write path for the setup page, ``manage.py setup_school`` and the staff pages. Every function
checks everything before it writes anything, and raises ``ValidationError`` (keyed on the form
field it is about) for bad input, so nothing is half saved. A teaching group itself is saved by
``pupils.services.teaching_group_write``, the one write the imports share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import connection, transaction

from assessments.models import AcademicYear, Term
from pupils.models import Membership, Pupil, Role, School, Subject, TeachingGroup
from pupils.services import teaching_group_write
from sencotrack.conflicts import Loaded, check, lock, version_of
from sencotrack.parsing import TERM_ORDER, default_term_dates

User = get_user_model()

#: Roles given on the staff pages (parents and carers are invited from a pupil's plans).
STAFF_ROLES = (Role.SENCO, Role.TEACHER, Role.TA, Role.GOVERNOR, Role.DATA_MANAGER)
#: Roles only a SENCo may give or take away (a data manager cannot make anyone, themselves included, a SENCo).
SENCO_GIVES = (Role.SENCO,)

# No record here keeps an audit history of its own (users, memberships, teaching groups): a
# conflict is then reported without who made the change.
_NO_HISTORY = Pupil.history.none


def school_exists() -> bool:
    return School.objects.exists()


def _error(field: str | None, message: str) -> ValidationError:
    return ValidationError({field: message}) if field else ValidationError(message)


def _setup_lock() -> None:
    """Two first-run setups at once: the second waits, then finds the first school and is refused."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x5E7C0])
    # SQLite takes the database's write lock when the transaction begins (settings: IMMEDIATE).


# --- Term dates ------------------------------------------------------------------------------------


def term_rows(academic_year: int, dates: dict[str, tuple[dt.date | None, dt.date | None]] | None) -> list[tuple[str, dt.date, dt.date]]:
    """(term, first day, last day) for autumn, spring and summer: the school's dates, else the defaults.

    A term given only one of its two dates is refused; terms must run in order without overlapping.
    """
    rows = []
    for term in TERM_ORDER:
        start, end = (dates or {}).get(term, (None, None))
        if (start is None) != (end is None):
            raise _error(f"{term}_start" if start is None else f"{term}_end",
                         f"Give both the first and the last day of the {term} term, or neither.")
        if start is None:
            start, end = default_term_dates(academic_year, term)
        if end <= start:
            raise _error(f"{term}_end", f"The {term} term must end after it starts.")
        rows.append((term, start, end))
    for (term, _, end), (next_term, start, _) in zip(rows, rows[1:], strict=False):
        if start <= end:
            raise _error(f"{next_term}_start", f"The {next_term} term must start after the {term} term ends ({end:%d/%m/%Y}).")
    if not dt.date(academic_year, 7, 1) <= rows[0][1] <= dt.date(academic_year, 12, 31):
        raise _error("autumn_start", f"The autumn term of {academic_year}/{(academic_year + 1) % 100:02d} must start in {academic_year}.")
    return rows


def terms_set(*, school: School, academic_year: int, rows: Sequence[tuple[str, dt.date, dt.date]]) -> None:
    year, _ = AcademicYear.objects.get_or_create(school=school, start_year=academic_year)
    for term, start, end in rows:
        Term.objects.update_or_create(academic_year=year, name=term, defaults={"start_date": start, "end_date": end})


# --- The first run ---------------------------------------------------------------------------------


@dataclass
class Setup:
    school: School
    senco: object  # the User
    needs_password: bool


def _clean_person(*, first_name: str, last_name: str, email: str, username: str, exclude_pk=None) -> tuple[str, str, str, str]:
    first_name, last_name = first_name.strip(), last_name.strip()
    email, username = email.strip().lower(), (username or "").strip()
    if not first_name:
        raise _error("first_name", "Enter the first name.")
    if not last_name:
        raise _error("last_name", "Enter the surname.")
    try:
        validate_email(email)
    except ValidationError:
        raise _error("email", f"“{email}” is not an e-mail address.") from None
    username = username or email
    if len(username) > 150:
        raise _error("username", "A username has at most 150 characters.")
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    if others.filter(username__iexact=username).exists():
        raise _error("username" if username != email else "email", f"There is already an account named “{username}”.")
    if others.filter(email__iexact=email).exists():
        raise _error("email", f"There is already an account with the e-mail address {email}.")
    return first_name, last_name, email, username


@transaction.atomic
def school_setup(
    *,
    name: str,
    code: str,
    retention_years: int,
    academic_year: int,
    term_dates: dict[str, tuple[dt.date | None, dt.date | None]] | None,
    first_name: str,
    last_name: str,
    email: str,
    username: str = "",
    password: str = "",
    first_run: bool = True,
) -> Setup:
    """Create a school, its term dates and its first SENCo.

    ``first_run`` (the setup page): refused once any school exists, so the page can never take over
    an install. The command passes False to add another school of a trust; a code already in use
    is refused either way. Without ``password`` the SENCo gets a set-password link instead.
    """
    _setup_lock()
    if first_run and school_exists():
        raise _error(None, "This installation is already set up: sign in, or ask your SENCo for an account.")
    name, code = name.strip(), code.strip().lower()
    if not name:
        raise _error("name", "Enter the school's name.")
    try:
        validate_slug(code)
    except ValidationError:
        raise _error("code", "The code may hold only letters, digits, hyphens and underscores, e.g. riverside.") from None
    if School.objects.filter(code__iexact=code).exists():
        raise _error("code", f"There is already a school with the code {code}.")
    if not 1 <= retention_years <= 100:
        raise _error("retention_years", "Keep records for between 1 and 100 years after a pupil leaves.")
    rows = term_rows(academic_year, term_dates)
    first_name, last_name, email, username = _clean_person(
        first_name=first_name, last_name=last_name, email=email, username=username
    )
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password1": exc.messages}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    school = School(name=name, code=code, retention_years=retention_years)
    school.full_clean()
    school.save()
    user.save()
    terms_set(school=school, academic_year=academic_year, rows=rows)
    Membership.objects.create(user=user, school=school, role=Role.SENCO)
    return Setup(school=school, senco=user, needs_password=not password)


# --- Staff -----------------------------------------------------------------------------------------


def roles_at(user, school: School) -> list[str]:
    return sorted(Membership.objects.filter(user=user, school=school, role__in=STAFF_ROLES).values_list("role", flat=True))


def staff_version(user, school: School) -> str:
    """What a staff form was drawn from: the account and its roles at the school."""
    return version_of(user, extra=roles_at(user, school))


def account_shared(user, school: School) -> bool:
    """An account this school's staff pages may not change (only its roles here): an administrator's,
    or one with roles at another school or trust, whose name, address and password are not this school's to change."""
    return (
        user.is_superuser
        or user.is_staff
        or Membership.objects.filter(user=user).exclude(school=school).exists()
        or user.trust_memberships.exists()
    )


def _check_roles(*, school: School, by: Membership, user, old: Iterable[str], new: Iterable[str]) -> list[str]:
    old, new = set(old), set(new)
    if not new <= set(STAFF_ROLES):
        raise _error("roles", "Choose roles from the list.")
    if by.role != Role.SENCO and (old ^ new) & set(SENCO_GIVES):
        raise _error("roles", "Only a SENCo can give or take away the SENCo role.")
    if by.role != Role.SENCO and Role.SENCO in old:
        raise _error(None, "Only a SENCo can change a SENCo's account.")
    if Role.SENCO in old and Role.SENCO not in new:
        others = Membership.objects.filter(school=school, role=Role.SENCO, user__is_active=True).exclude(user=user)
        if not others.exists():
            raise _error("roles", "The school must keep at least one SENCo: give the role to someone else first.")
    if user is not None and user.pk == by.user_id and by.role in old and by.role not in new:
        raise _error("roles", "You cannot take away the role you are using now; ask another SENCo.")
    return sorted(new)


def _set_roles(*, school: School, user, roles: Iterable[str]) -> None:
    roles = set(roles)
    Membership.objects.filter(user=user, school=school, role__in=STAFF_ROLES).exclude(role__in=roles).delete()
    have = set(roles_at(user, school))
    Membership.objects.bulk_create([Membership(user=user, school=school, role=role) for role in sorted(roles - have)])


@transaction.atomic
def staff_create(*, school: School, by: Membership, first_name: str, last_name: str, email: str,
                 username: str = "", roles: Sequence[str]):  # fmt: skip
    """A new account with roles at ``school`` and no password yet: they choose it from a set-password link."""
    if not roles:
        raise _error("roles", "Choose at least one role.")
    roles = _check_roles(school=school, by=by, user=None, old=(), new=roles)
    first_name, last_name, email, username = _clean_person(
        first_name=first_name, last_name=last_name, email=email, username=username
    )
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.save()
    _set_roles(school=school, user=user, roles=roles)
    return user


@transaction.atomic
def staff_update(*, school: School, by: Membership, user, first_name: str, last_name: str, email: str,
                 roles: Sequence[str], active: bool, loaded: Loaded | None = None):  # fmt: skip
    """Change a member of staff's name, address, roles here, or deactivate them (they can no longer sign in).

    A deactivated account keeps its roles and its name on every record it wrote; reactivating it
    gives the access back. An account shared with another school may only have its roles here changed.
    """
    lock(User, [user.pk])
    current = User.objects.filter(pk=user.pk).first()
    if current is None or not Membership.objects.filter(user=current, school=school).exists():
        raise _error(None, "This person has no role at your school any more.")
    old = roles_at(current, school)
    check(loaded, version=version_of(current, extra=old), history=_NO_HISTORY(), current=current)
    roles = _check_roles(school=school, by=by, user=current, old=old, new=roles)
    if not roles:
        raise _error("roles", "Choose at least one role; to stop someone signing in, untick “Can sign in”.")
    shared = account_shared(current, school)
    if shared and (active != current.is_active or email.strip().lower() != current.email.lower()
                   or first_name.strip() != current.first_name or last_name.strip() != current.last_name):
        raise _error(None, "This account also has a role elsewhere: only its roles at your school can be changed here.")
    if not active and current.pk == by.user_id:
        raise _error("active", "You cannot stop yourself signing in.")
    if not active and Role.SENCO in old:
        others = Membership.objects.filter(school=school, role=Role.SENCO, user__is_active=True).exclude(user=current)
        if not others.exists():
            raise _error("active", "The school must keep at least one SENCo who can sign in.")
    if not shared:
        first_name, last_name, email, _ = _clean_person(
            first_name=first_name, last_name=last_name, email=email, username=current.username, exclude_pk=current.pk
        )
        current.first_name, current.last_name, current.email, current.is_active = first_name, last_name, email, active
        current.save(update_fields=["first_name", "last_name", "email", "is_active"])
    _set_roles(school=school, user=current, roles=roles)
    return current


def may_have_link(user, school: School) -> bool:
    """A set-password link is only for an account of this school that has no password yet (never a takeover)."""
    return user.is_active and not user.has_usable_password() and not account_shared(user, school)


# --- Teaching groups -------------------------------------------------------------------------------


def group_version(group: TeachingGroup | None) -> str:
    if group is None:
        return version_of(None)
    return version_of(group, extra=[sorted(group.staff.values_list("pk", flat=True)),
                                    sorted(group.pupils.values_list("pk", flat=True))])  # fmt: skip


@transaction.atomic
def teaching_group_save(*, school: School, group: TeachingGroup | None, name: str, subject: Subject | None,
                        year_group: int | None, staff: Sequence, pupils: Sequence[Pupil] | None,
                        loaded: Loaded | None = None) -> TeachingGroup:  # fmt: skip
    """Add a teaching group or change one: its name, subject, year, teachers and (given) pupils.

    Staff and pupils must belong to ``school``; ``pupils`` None leaves the members as they are.
    """
    name = name.strip()
    if not name:
        raise _error("name", "Enter the group's name, e.g. 7E1.")
    others = TeachingGroup.objects.filter(school=school, name__iexact=name)
    if group is not None:
        lock(TeachingGroup, [group.pk])
        current = TeachingGroup.objects.filter(pk=group.pk, school=school).first()
        if current is None:
            raise _error(None, "This teaching group has been deleted.")
        check(loaded, version=group_version(current), history=_NO_HISTORY(), current=current)
        others = others.exclude(pk=current.pk)
        group = current
    if others.exists():
        raise _error("name", f"There is already a group called {name}.")
    staff_ids = {u.pk for u in staff}
    members = set(Membership.objects.filter(school=school, user__in=staff_ids).values_list("user_id", flat=True))
    if staff_ids - members:
        raise _error("staff", "Choose teachers from your school's staff.")
    if pupils is not None and any(p.school_id != school.pk for p in pupils):
        raise _error("pupils", "Choose pupils of your school.")
    group = group or TeachingGroup(school=school)
    group.name, group.subject, group.year_group = name, subject, year_group
    teaching_group_write(group=group)
    group.staff.set(list(staff_ids))
    if pupils is not None:
        group.pupils.set(pupils)
    return group
