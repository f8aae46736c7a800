"""Plans, reviews, annual reviews and parents for the demo schools (``manage.py seed_demo``).

Demo tooling, called by ``demo.seed`` once a school is built and deterministic in the same way. It
gives a dozen SEN support pupils a plan in place, EHC plan pupils annual reviews (a few overdue, a
few due within the 10 weeks the SENCo's home page looks ahead), and the demo logins ``parent``
(one child with a plan) and ``parent2`` (two children).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from interventions.models import Comment, Enrolment
from plans import cycle
from plans.models import (
    AnnualReview,
    CheckStatus,
    ContributorRole,
    CurricularTarget,
    Outcome,
    ParentLink,
    PlanContribution,
    PlanReview,
    PlanStatus,
    Rating,
    Recommendation,
    SupportPlan,
    TargetCheck,
)
from demo.accounts import DEMO_EMAIL_DOMAIN
from pupils.models import Membership, Provision, Pupil, RegisterEntry, Role, School, Subject
from sencotrack.parsing import term_for_date

#: (username, first name) of the parent logins, seeded at the main demo school only.
PARENT_LOGINS = (("parent", "Sarah"), ("parent2", "Daniel"))
PLANS = 12  # pupils on SEN support given a plan in place

OUTCOMES = {
    "english": [
        ("{name} will read a page of a book at their level aloud, with no more than two prompts.",
         "A running record each half term and the reading age test"),
        ("{name} will write a paragraph of four sentences with capital letters and full stops.",
         "Three pieces of independent writing in the English book"),
        ("{name} will spell the first 50 high-frequency words correctly.", "A weekly spelling check"),
    ],
    "maths": [
        ("{name} will recall the 2, 5 and 10 times tables within three seconds each.", "A timed times-tables check"),
        ("{name} will add and subtract two-digit numbers using a number line.", "Class work and the end-of-unit test"),
    ],
    "any": [
        ("{name} will ask an adult for help, in words or with the help card, when stuck.", "Staff observation, logged weekly"),
        ("{name} will settle to work within five minutes of the start of a lesson.", "Teachers' tally over two weeks"),
        ("{name} will take part in group work twice a week.", "Teacher observation"),
    ],
}
TARGETS = {
    "english": ["I can read a page of my book aloud", "I can use a capital letter and a full stop",
                "I can spell my ten key words"],  # fmt: skip
    "maths": ["I can count on in tens from any number", "I can tell the time to the quarter hour"],
}
STRATEGIES = (
    "Seat near the front, away from the door",
    "Give instructions one at a time and check they are understood",
    "Use the visual timetable at the start of each lesson",
    "Give a five-minute warning before a change of activity",
    "Pre-teach key vocabulary on a word mat",
    "Allow a movement break after 20 minutes",
    "Print handouts on cream paper in a larger font",
)
PUPIL_VIEWS = ("I like reading with Miss now.", "The word mat helps me.", "I want to get better at times tables.",
               "Group work is still hard sometimes.")  # fmt: skip
NEXT_STEPS = ("Carry on with the reading intervention for another term.",
              "Move on to writing longer pieces with a writing frame.", "Share the word mat with every subject.")  # fmt: skip


class PlansBuilder:
    def __init__(self, school: School, *, today: dt.date, senco, password_hash: str | None, parents: bool):
        self.school = school
        self.today = today
        self.senco = senco
        self.password_hash = password_hash
        self.parents = parents
        self.rng = random.Random(f"sencotrack-demo:plans:{school.code}")
        self.counts: dict[str, int] = {}

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def build(self) -> dict[str, int]:
        on_register = RegisterEntry.objects.filter(start_date__lte=self.today).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=self.today)
        )
        pupils = Pupil.objects.current().filter(school=self.school).order_by("upn")
        self.support = list(pupils.filter(register_entries__in=on_register.filter(provision=Provision.SEN_SUPPORT)))
        self.ehcp = list(pupils.filter(register_entries__in=on_register.filter(provision=Provision.EHC_PLAN)))
        self.subjects = {s.code: s for s in Subject.objects.filter(code__in=["english", "maths"])}
        chosen = self.rng.sample(self.support, min(PLANS, len(self.support)))
        chosen.sort(key=lambda p: p.upn)
        self.make_plans(chosen)
        self.make_annual_reviews()
        if self.parents and chosen:
            self.make_parents(chosen)
        return self.counts

    # Plans ------------------------------------------------------------------------------------

    def make_plans(self, pupils: list[Pupil]) -> None:
        rng = self.rng
        enrolments: dict[int, list[Enrolment]] = {}
        for e in Enrolment.objects.filter(pupil__in=pupils).filter(Q(end_date__isnull=True) | Q(end_date__gte=self.today)):
            enrolments.setdefault(e.pupil_id, []).append(e)
        plans, outcomes, links, targets, checks, reviews, carried = [], [], [], [], [], [], []
        year, term = term_for_date(self.today)
        for i, pupil in enumerate(pupils):
            start = self.today - dt.timedelta(days=rng.randint(20, 70))
            review_date = start + dt.timedelta(weeks=12)
            earlier = None
            if i % 3 == 0:  # an earlier plan, reviewed, for a third of them
                earlier = SupportPlan(
                    public_id=self.uuid(), pupil=pupil, status=PlanStatus.CLOSED, starts_on=start - dt.timedelta(weeks=13),
                    review_date=start - dt.timedelta(days=2), ended_on=start - dt.timedelta(days=1),
                    strategies="\n".join(rng.sample(STRATEGIES, 3)), created_by=self.senco,
                )  # fmt: skip
                plans.append(earlier)
            plan = SupportPlan(
                public_id=self.uuid(), pupil=pupil, status=PlanStatus.ACTIVE, starts_on=start, review_date=review_date,
                strategies="\n".join(rng.sample(STRATEGIES, 4)), created_by=self.senco, previous=earlier,
            )  # fmt: skip
            plans.append(plan)
            for position, (subject, (text, measure)) in enumerate(self.pick_outcomes(pupil), start=1):
                outcome = Outcome(plan=plan, position=position, description=text.format(name=pupil.forename),
                                  measure=measure, by_when=review_date)  # fmt: skip
                outcomes.append(outcome)
                own = enrolments.get(pupil.pk, [])
                if own and subject != "any":
                    links.append((outcome, own[0]))
                if earlier is not None:
                    # The first outcome was carried over, not yet achieved; the earlier plan's second was achieved.
                    rating = rng.choice([Rating.PARTLY, Rating.NOT_YET]) if position == 1 else Rating.ACHIEVED
                    text = outcome.description if position == 1 else rng.choice(
                        [t for t, _ in OUTCOMES["any"] if t.format(name=pupil.forename) != outcome.description]
                    ).format(name=pupil.forename)
                    old = Outcome(plan=earlier, position=position, description=text, measure=measure,
                                  by_when=earlier.review_date, rating=rating,
                                  evidence=rng.choice(["Seen in class work", "Reading log and teacher's notes",
                                                       "The end-of-unit test"]))  # fmt: skip
                    outcomes.append(old)
                    if position == 1:
                        carried.append((outcome, old))
            for subject in ("english", "maths"):
                statement = rng.choice(TARGETS[subject])
                target = CurricularTarget(plan=plan, subject=self.subjects[subject], statement=statement, position=1)
                targets.append(target)
                if rng.random() < 0.7:  # most were checked this term already
                    status = rng.choice([CheckStatus.ON_TRACK, CheckStatus.ON_TRACK, CheckStatus.NOT_ON_TRACK])
                    checks.append(TargetCheck(plan=plan, target=target, academic_year=year, term=term,
                                              status=status, recorded_by=self.senco))  # fmt: skip
            if earlier is not None:
                reviews.append(PlanReview(plan=earlier, held_on=earlier.review_date, pupil_views=rng.choice(PUPIL_VIEWS),
                                          parent_views="Pleased with the reading; homework is still a struggle.",
                                          next_steps=rng.choice(NEXT_STEPS), recorded_by=self.senco))  # fmt: skip
        # Closed plans first: a plan names the one it follows.
        SupportPlan.objects.bulk_create([p for p in plans if p.status == PlanStatus.CLOSED])
        SupportPlan.objects.bulk_create([p for p in plans if p.status != PlanStatus.CLOSED])
        for o in outcomes:
            o.plan_id = o.plan.pk
        Outcome.objects.bulk_create(outcomes)
        for new, old in carried:
            new.carried_from_id = old.pk
        Outcome.objects.bulk_update([new for new, _ in carried], ["carried_from"])
        Outcome.enrolments.through.objects.bulk_create(
            [Outcome.enrolments.through(outcome_id=o.pk, enrolment_id=e.pk) for o, e in links]
        )
        for t in targets:
            t.plan_id = t.plan.pk
        CurricularTarget.objects.bulk_create(targets)
        for c in checks:
            c.plan_id, c.target_id = c.plan.pk, c.target.pk
        TargetCheck.objects.bulk_create(checks)
        for r in reviews:
            r.plan_id = r.plan.pk
        PlanReview.objects.bulk_create(reviews)
        # The register's review date follows the plan in place (as plans.services.plan_start does).
        for plan in plans:
            if plan.status == PlanStatus.ACTIVE:
                RegisterEntry.objects.filter(pupil=plan.pupil, end_date__isnull=True).exclude(provision="N").update(
                    review_date=plan.review_date
                )
        self.plans = [p for p in plans if p.status == PlanStatus.ACTIVE]
        self.counts["plans"] = len(plans)
        self.counts["plan reviews"] = len(reviews)

    def pick_outcomes(self, pupil: Pupil) -> list[tuple[str, tuple[str, str]]]:
        rng = self.rng
        first = rng.choice(["english", "maths"])
        return [(first, rng.choice(OUTCOMES[first])), ("any", rng.choice(OUTCOMES["any"]))]

    # EHC plan annual reviews --------------------------------------------------------------------

    def make_annual_reviews(self) -> None:
        """Last annual reviews a year ago give due dates spread from two weeks overdue to later in the year."""
        rng = self.rng
        since = dict(
            RegisterEntry.objects.filter(pupil__in=self.ehcp, provision=Provision.EHC_PLAN, end_date__isnull=True)
            .values_list("pupil_id", "start_date")
        )
        offsets = [-16, -3, 12, 30, 45, 64, 90, 130, 180, 240, 300]
        reviews = []
        for i, pupil in enumerate(self.ehcp):
            due = self.today + dt.timedelta(days=offsets[i % len(offsets)] + rng.randint(0, 4))
            held = cycle.add_months(due, -cycle.ANNUAL_REVIEW_MONTHS)
            began = since.get(pupil.pk)
            if began is None or held <= began:
                continue  # the plan is younger than a year: its first review is due 12 months after it began
            reviews.append(AnnualReview(
                pupil=pupil, held_on=held, recommendation=rng.choice([Recommendation.MAINTAIN, Recommendation.AMEND]),
                attendees="Parents, pupil, SENCo, class teacher, educational psychologist",
                summary="Outcomes reviewed; the plan continues with updated targets.", recorded_by=self.senco,
            ))  # fmt: skip
        AnnualReview.objects.bulk_create(reviews)
        self.counts["annual reviews"] = len(reviews)

    # Parents ----------------------------------------------------------------------------------------

    def make_parents(self, chosen: list[Pupil]) -> None:
        User = get_user_model()
        # The first parent's child: a pupil with a plan, comments to share and the most to read about.
        counts = {
            pk: (min(comments, 2), measures)
            for pk, comments, measures in Pupil.objects.filter(pk__in=[p.pk for p in chosen])
            .annotate(c=Count("comments", distinct=True),
                      m=Count("assessments", distinct=True) + Count("reading_tests", distinct=True))
            .values_list("pk", "c", "m")
        }  # fmt: skip
        child = max(chosen, key=lambda p: (counts.get(p.pk, (0, 0)), p.upn))
        # parent2: two children of the school with the same surname, else two pupils with plans.
        by_surname: dict[str, list[Pupil]] = {}
        for p in Pupil.objects.current().filter(school=self.school).order_by("upn"):
            by_surname.setdefault(p.surname, []).append(p)
        pairs = [ps[:2] for ps in by_surname.values() if len(ps) >= 2 and child not in ps]
        pair = pairs[0] if pairs else chosen[1:3]
        users, links = [], []
        for (username, first), children in zip(PARENT_LOGINS, ([child], pair), strict=True):
            user = User(username=username, first_name=first, last_name=children[0].surname,
                        email=f"{username}@{DEMO_EMAIL_DOMAIN}", password=self.password_hash)  # fmt: skip
            users.append(user)
            links += [ParentLink(user=user, pupil=c, relationship="Parent", invited_by=self.senco) for c in children]
        User.objects.bulk_create(users)
        for link in links:
            link.user_id = link.user.pk
        Membership.objects.bulk_create([Membership(user=u, school=self.school, role=Role.PARENT) for u in users])
        ParentLink.objects.bulk_create(links)
        # The first parent has added their views to the plan in place, and sees two comments.
        plan = next(p for p in self.plans if p.pupil_id == child.pk)
        PlanContribution.objects.bulk_create([PlanContribution(
            plan=plan, author=users[0], role=ContributorRole.PARENT, going_well=f"{child.forename} reads to us at bedtime now.",
            concerns="Homework takes a long time and ends in tears some evenings.",
            hopes=f"That {child.forename} feels confident enough to read in class.",
        )])  # fmt: skip
        shared = list(Comment.objects.filter(pupil=child).order_by("-observed_on", "public_id").values_list("pk", flat=True)[:2])
        Comment.objects.filter(pk__in=shared).update(shared_with_parents=True)
        self.counts["parent logins"] = len(users)
        self.child, self.pair = child, pair


def seed(school: School, *, today: dt.date, senco, password_hash: str | None, parents: bool) -> dict[str, int]:
    """Plans, reviews, annual reviews and (with ``parents``) the parent logins of one demo school."""
    return PlansBuilder(school, today=today, senco=senco, password_hash=password_hash, parents=parents).build()

