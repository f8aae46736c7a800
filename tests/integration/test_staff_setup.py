"""First run (the setup page and manage.py setup_school), staff and their roles, and teaching groups."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from assessments.models import Term
from assessments.terms import term_dates
from pupils.models import Membership, Role, School, TeachingGroup
from tests import factories as f

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a long enough passphrase 7"


def _setup_post(**changes):
    data = {
        "name": "Riverside Academy", "code": "riverside", "retention_years": "25",
        "autumn_start": "", "autumn_end": "", "spring_start": "", "spring_end": "", "summer_start": "", "summer_end": "",
        "first_name": "Jo", "last_name": "Morgan", "email": "jo@example.org", "password1": PASSWORD, "password2": PASSWORD,
    }  # fmt: skip
    data.update(changes)
    return data


# --- First run -----------------------------------------------------------------------------------------


def test_a_new_install_sends_the_first_visit_to_the_setup_page(client):
    assert client.get("/", follow=True).redirect_chain[-1][0] == reverse("setup")
    assert client.get(reverse("login")).url == reverse("setup")


def test_the_setup_page_creates_the_school_its_terms_and_its_senco_who_is_signed_in(client, settings):
    response = client.post(reverse("setup"), _setup_post(autumn_start="2026-09-03", autumn_end="2026-12-18"))
    assert response.status_code == 302 and response.url == reverse("staff:list")
    school = School.objects.get()
    assert (school.name, school.code, school.retention_years) == ("Riverside Academy", "riverside", 25)
    jo = User.objects.get(username="jo@example.org")
    assert jo.check_password(PASSWORD)
    assert list(Membership.objects.filter(user=jo).values_list("school__code", "role")) == [("riverside", Role.SENCO)]
    # The autumn term as typed; spring and summer left blank take the defaults.
    assert term_dates(school, 2026, "autumn") == (dt.date(2026, 9, 3), dt.date(2026, 12, 18))
    assert Term.objects.get(academic_year__school=school, name="spring").start_date == dt.date(2027, 1, 1)
    assert client.get(reverse("staff:list")).status_code == 200  # signed in as the SENCo
    assert client.get("/").status_code == 200


def test_the_setup_page_is_closed_once_a_school_exists_and_changes_nothing(client, personas):
    assert client.get(reverse("setup")).status_code == 404
    assert client.post(reverse("setup"), _setup_post()).status_code == 404
    assert not School.objects.filter(code="riverside").exists()
    assert not User.objects.filter(username="jo@example.org").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "river side"}, "code", "Enter a valid"),
        ({"password2": "something else entirely"}, "password2", "The two passwords differ."),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"autumn_start": "2026-09-03"}, "autumn_end", "Give both the first and the last day of the autumn term"),
        ({"spring_start": "2026-12-01", "spring_end": "2027-03-31"}, "spring_start", "must start after the autumn term ends"),
    ],
)
def test_bad_setup_input_is_refused_with_a_clear_message_and_nothing_is_saved(client, changes, field, message):
    response = client.post(reverse("setup"), _setup_post(**changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert not School.objects.exists() and not User.objects.exists()


def _command_link(capsys) -> str:
    call_command("setup_school", "--name", "Oak", "--code", "oak", "--senco-email", "Sam@Example.org",
                 "--senco-first-name", "Sam", "--senco-surname", "Lee", "--spring", "2027-01-05:2027-03-26")  # fmt: skip
    out = capsys.readouterr().out
    assert "Created Oak (code oak) with its SENCo Sam Lee, username sam@example.org." in out
    link = re.search(r"(/staff/welcome/\S+/)", out)[1]
    sam = User.objects.get(username="sam@example.org")
    assert not sam.has_usable_password()
    assert term_dates(School.objects.get(code="oak"), 2026, "spring") == (dt.date(2027, 1, 5), dt.date(2027, 3, 26))
    return link


def test_setup_school_command_creates_the_school_and_prints_a_set_password_link(capsys):
    assert _command_link(capsys).startswith("/staff/welcome/")


def test_setup_school_command_refuses_a_code_in_use_and_bad_dates_saving_nothing(personas):
    with pytest.raises(CommandError, match="--code: There is already a school with the code oak"):
        call_command("setup_school", "--name", "Oak 2", "--code", "oak", "--senco-email", "x@example.org",
                     "--senco-first-name", "X", "--senco-surname", "Y")  # fmt: skip
    with pytest.raises(CommandError, match="--autumn '3/9/2026': write FIRST:LAST"):
        call_command("setup_school", "--name", "Ash", "--code", "ash", "--senco-email", "x@example.org",
                     "--senco-first-name", "X", "--senco-surname", "Y", "--autumn", "3/9/2026")  # fmt: skip
    with pytest.raises(CommandError, match="empty or not set"):
        call_command("setup_school", "--name", "Ash", "--code", "ash", "--senco-email", "x@example.org",
                     "--senco-first-name", "X", "--senco-surname", "Y", "--password-from-env", "NO_SUCH_VARIABLE_13")  # fmt: skip
    assert not School.objects.filter(code="ash").exists()
    assert not User.objects.filter(email="x@example.org").exists()


def test_the_printed_link_lets_the_senco_choose_a_password_once(client, capsys):
    link = _command_link(capsys)
    assert client.get(link).status_code == 200
    response = client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("home")
    assert User.objects.get(username="sam@example.org").check_password(PASSWORD)
    client.logout()
    assert b"This link no longer works" in client.get(link).content


# --- Staff ---------------------------------------------------------------------------------------------


def _staff(**changes):
    data = {"first_name": "Tom", "last_name": "Assistant", "email": "tom@example.org", "roles": ["ta"]}
    data.update(changes)
    return data


def test_the_senco_adds_a_ta_who_gets_a_link_on_screen_and_by_email(client, personas, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(personas.senco)
    response = client.post(reverse("staff:add"), _staff())
    assert response.status_code == 200
    tom = User.objects.get(username="tom@example.org")
    assert not tom.has_usable_password()
    assert list(Membership.objects.filter(user=tom).values_list("role", flat=True)) == ["ta"]
    link = response.context["link"]
    assert link in response.content.decode() and link in mail.outbox[0].body
    assert mail.outbox[0].to == ["tom@example.org"]
    other = client.__class__()
    assert other.post(link, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 302
    assert other.get(reverse("interventions:session_today")).status_code == 200  # signed in, as a TA


def test_an_address_already_in_use_is_refused(client, personas):
    client.force_login(personas.senco)
    response = client.post(reverse("staff:add"), _staff(email=personas.teacher.email))
    assert "There is already an account" in " ".join(response.context["form"].errors["email"])


def _edit(client, person, **changes):
    page = client.get(reverse("staff:edit", args=[person.pk]))
    form = page.context["form"]
    data = {name: form[name].value() for name in ("first_name", "last_name", "email", "roles", "version", "loaded_at")}
    data["active"] = "on" if form["active"].value() else ""
    data.update(changes)
    return client.post(reverse("staff:edit", args=[person.pk]), {k: v for k, v in data.items() if v not in ("", None)})


def test_deactivating_a_teacher_signs_them_out_at_their_next_request(client, personas):
    bob = client.__class__()
    bob.force_login(personas.teacher)
    assert bob.get(reverse("pupils:list")).status_code == 200
    client.force_login(personas.senco)
    response = _edit(client, personas.teacher, active="")
    assert response.status_code == 302
    personas.teacher.refresh_from_db()
    assert not personas.teacher.is_active
    assert bob.get(reverse("pupils:list")).status_code == 302  # to the sign-in page


def test_the_senco_changes_a_teachers_roles(client, personas):
    client.force_login(personas.senco)
    assert _edit(client, personas.teacher, roles=["teacher", "ta"]).status_code == 302
    assert sorted(Membership.objects.filter(user=personas.teacher).values_list("role", flat=True)) == ["ta", "teacher"]


def test_a_change_made_since_the_page_was_drawn_is_a_conflict_and_nothing_is_saved(client, personas):
    client.force_login(personas.senco)
    page = client.get(reverse("staff:edit", args=[personas.teacher.pk]))
    version = page.context["form"]["version"].value()
    User.objects.filter(pk=personas.teacher.pk).update(last_name="Changed")
    response = client.post(reverse("staff:edit", args=[personas.teacher.pk]), {
        "first_name": "Bob", "last_name": "Mine", "email": personas.teacher.email, "roles": ["teacher"],
        "active": "on", "version": version,
    })  # fmt: skip
    assert response.status_code == 200 and response.context["form"].conflict is not None
    personas.teacher.refresh_from_db()
    assert personas.teacher.last_name == "Changed"


def test_a_data_manager_cannot_make_anyone_a_senco_nor_change_a_sencos_account(client, personas):
    client.force_login(personas.data_manager)
    response = client.post(reverse("staff:add"), _staff(roles=["senco"]))
    assert "Only a SENCo can give or take away the SENCo role." in " ".join(response.context["form"].errors["roles"])
    response = _edit(client, personas.data_manager, roles=["data_manager", "senco"])
    assert response.status_code == 200
    response = _edit(client, personas.senco, active="")
    assert response.status_code == 200 and personas.senco.__class__.objects.get(pk=personas.senco.pk).is_active
    assert not Membership.objects.filter(user=personas.data_manager, role=Role.SENCO).exists()


def test_the_last_senco_cannot_be_removed_nor_deactivate_themselves(client, personas):
    client.force_login(personas.senco)
    response = _edit(client, personas.senco, roles=["teacher"])
    assert "at least one SENCo" in " ".join(response.context["form"].errors["roles"])
    response = _edit(client, personas.senco, active="")
    assert "You cannot stop yourself signing in." in " ".join(response.context["form"].errors["active"])


def test_an_account_with_a_role_at_another_school_keeps_its_name_and_password(client, personas):
    f.MembershipFactory(user=personas.teacher, school=personas.outsider.memberships.get().school, role=Role.TEACHER)
    client.force_login(personas.senco)
    response = _edit(client, personas.teacher, active="")
    personas.teacher.refresh_from_db()
    assert personas.teacher.is_active
    assert not client.get(reverse("staff:edit", args=[personas.teacher.pk])).context["may_have_link"]


def test_a_new_link_is_only_for_an_account_with_no_password_and_the_old_link_stops_working(client, personas):
    client.force_login(personas.senco)
    assert client.post(reverse("staff:new_link", args=[personas.teacher.pk])).status_code == 403  # bob has a password
    first = client.post(reverse("staff:add"), _staff()).context["link"]
    tom = User.objects.get(username="tom@example.org")
    second = client.post(reverse("staff:new_link", args=[tom.pk])).context["link"]
    anon = client.__class__()
    assert b"This link no longer works" in anon.get(first).content
    assert b"Choose your password" in anon.get(second).content


def test_another_schools_senco_cannot_reach_our_staff(client, personas):
    client.force_login(personas.outsider)
    assert client.get(reverse("staff:edit", args=[personas.teacher.pk])).status_code == 404
    assert client.post(reverse("staff:new_link", args=[personas.teacher.pk])).status_code == 404


# --- Teaching groups and programmes -------------------------------------------------------------------


def test_the_senco_adds_a_group_with_its_teacher_then_ticks_its_pupils(client, personas):
    year7 = [f.PupilFactory(school=personas.school, year_group=7) for _ in range(3)]
    f.PupilFactory(school=personas.school, year_group=8)
    client.force_login(personas.senco)
    response = client.post(reverse("staff:group_add"), {"name": "7E1", "year_group": "7", "staff": [personas.teacher.pk]})
    group = TeachingGroup.objects.get(name="7E1")
    assert response.url == reverse("staff:group_edit", args=[group.pk])
    page = client.get(response.url)
    assert len(page.context["form"].fields["pupils"].queryset) == 3  # the year 7 pupils only
    form = page.context["form"]
    response = client.post(response.url, {"name": "7E1", "year_group": "7", "staff": [personas.teacher.pk],
                                           "pupils": [p.pk for p in year7[:2]], "version": form["version"].value()})  # fmt: skip
    assert response.status_code == 302
    assert set(group.pupils.all()) == set(year7[:2])
    bob = client.__class__()
    bob.force_login(personas.teacher)
    assert bob.get(reverse("pupils:detail", args=[year7[0].public_id])).status_code == 200  # now his pupil


def test_a_group_name_in_use_is_refused(client, personas):
    client.force_login(personas.data_manager)
    response = client.post(reverse("staff:group_add"), {"name": "9e1"})
    assert "There is already a group called 9e1." in " ".join(response.context["form"].errors["name"])


def test_two_people_adding_the_same_group_at_once_get_a_message_not_an_error(personas, monkeypatch):
    """The check before saving cannot see the other person's unfinished save: the clash is caught on saving."""
    from pupils.services import teaching_group_write

    TeachingGroup.objects.create(school=personas.school, name="7Z9")
    monkeypatch.setattr(TeachingGroup, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as caught:
        teaching_group_write(group=TeachingGroup(school=personas.school, name="7Z9"))
    assert caught.value.message_dict == {"name": ["There is already a group called 7Z9."]}
    assert TeachingGroup.objects.filter(name="7Z9").count() == 1


def test_a_data_manager_keeps_the_programme_library_but_runs_no_groups(client, personas):
    client.force_login(personas.data_manager)
    response = client.post(reverse("interventions:programme_add"), {
        "name": "Precision teaching", "area_of_need": "cognition", "cost_per_session": "8", "default_measure": "none",
        "active": "on",
    })  # fmt: skip
    assert response.status_code == 302
    assert client.get(reverse("interventions:programmes")).content.decode().count("Precision teaching") >= 2  # its name, and the Edit link the data manager now has
    assert reverse("interventions:programme_edit", args=["Precision teaching"]) in client.get(
        reverse("interventions:programmes")).content.decode()
    assert client.get(reverse("interventions:create")).status_code == 403
