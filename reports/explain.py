"""Titles and "how this is calculated" notes for every report (DOMAIN.md section 9)."""

TITLES = {
    "expected-progress": "Expected progress",
    "value-added": "Value added",
    "starting-points": "Progress from starting points",
    "intervention-impact": "Intervention impact (ratio gains)",
    "no-gain-but-semh": "No academic gain this term, but SEMH or qualitative gains",
    "register-summary": "SEN register: this year against last year",
}

NOTES = {
    "expected-progress": (
        "Baseline: the pupil's most recent KS1, KS2, KS3 or on-entry result before this term. Terms elapsed t "
        "counts terms from the baseline's term. Levels of progress = (current points - baseline points) / 6. "
        "Expected gain = expected levels x 6 x t / span terms (KS1: 2 levels in 12 terms; KS2: 3 in 15, or 2 in 9 "
        "if the school chose KS2-KS3; KS3 and on entry: 2 in 9). Exceeding: gain at least the pro-rata gain for one "
        "level more; expected: at least the pro-rata expected gain; below otherwise."
    ),
    "value-added": (
        "A pupil's expected outcome is the mean outcome of pupils in the school with the same baseline points in the "
        "same subject and baseline term, when there are at least 5 of them; otherwise the least-squares line of "
        "outcome on baseline over that cohort. Pupil VA = outcome - expected; a group's VA is the mean over its "
        "members; index = 100 + VA; 95% interval = VA +/- 1.96 x s / sqrt(n), s the standard deviation of pupil VA "
        "over all pupils in the subject. Above or below when the interval excludes 0. SEN status is the register "
        "entry open on the last day of the term. The 1.96 x s / sqrt(n) interval is as recalled from RAISEonline."
    ),
    "starting-points": (
        "For each subject and baseline result: the number of pupils, the percentage making at least expected progress "
        "(expected or exceeding) and the percentage making more than expected (exceeding). No percentage is shown to "
        "governors for fewer than 5 pupils."
    ),
    "intervention-impact": (
        "Ratio gain = months gained in reading or spelling age / months elapsed (days between the tests / 30.4375). "
        "Pre-test: the last test on or before the start + 14 days; post-test: the first on or after the end - 14 days "
        "and after the pre-test. Bands (as recalled from Brooks): under 1.4 modest, 1.4 useful, 2.0 substantial, "
        "3.0 remarkable. Fewer than 3 months between tests: flagged as a short interval (tests carry about +/-4 "
        "months of error). Enrolments ended by the last day of the term, with both tests."
    ),
    "no-gain-but-semh": (
        "Pupils whose English or maths teacher assessment did not rise from last term to this term, but whose SDQ "
        "total difficulties or Boxall section II fell, Boxall section I rose, behaviour points fell, or a "
        "qualitative rating or self-assessment rose: a positive finding to report."
    ),
    "register-summary": (
        "Pupils on the register on the last day of this term, by provision and by primary need, against the same "
        "day a year earlier."
    ),
}
