"""Titles and "how this is calculated" notes for every report (docs/figures.md section 9)."""

TITLES = {
    "expected-progress": "Expected progress",
    "value-added": "Value added",
    "starting-points": "Progress from starting points",
    "intervention-impact": "Intervention impact (ratio gains and every measure)",
    "no-gain-but-semh": "No academic gain this term, but SEMH or qualitative gains",
    "register-summary": "SEN register: this year against last year",
    "transition-matrix": "Transition matrix: from each starting point to this term's result",
    "standardised-progress": "Standardised-score progress",
}

NOTES = {
    "expected-progress": (
        "Baseline: the pupil's most recent KS1, KS2, KS3 or on-entry result before this term. Terms elapsed t "
        "counts terms from the baseline's term. Levels of progress = (current points - baseline points) / 6. "
        "Two rules judge a result; the expectation column says which. Levels rule: expected gain = expected levels "
        "x 6 x t / span terms (KS1: 2 levels in 12 terms; KS2: 3 in 15, or 2 in 9 if the school chose KS2-KS3; KS3 "
        "and on entry: 2 in 9). Exceeding: gain at least the pro-rata gain for one level more; expected: at least "
        "the pro-rata expected gain; below otherwise. Quartile rule (for the baselines the school's setting names, "
        "by default P-scales and W, when the quartile table in force has a row for the pupil's key stages, subject "
        "and starting point): see \"Quartile expectations\"; the expected points are then the median's."
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
        "(expected or exceeding, by whichever rule judged each pupil) and the percentage making more than expected "
        "(exceeding). National comparison: the national table in force gives the percentages nationally from the same "
        "starting point (looked up like the quartile table: key stages, subject in any case, the starting point or "
        "else its whole level); gap = our percentage at least expected - the national one. Blank when no national row "
        "matches, or when the row's pupils started from different key stages. Governors: see \"Suppression\"."
    ),
    "intervention-impact": (
        "Ratio gain = months gained in reading or spelling age / months elapsed (days between the tests / 30.4375). "
        "Pre-test: the last test on or before the start + 14 days; post-test: the first on or after the end - 14 days "
        "and after the pre-test. Bands (as recalled from Brooks): under 1.4 modest, 1.4 useful, 2.0 substantial, "
        "3.0 remarkable. Fewer than 3 months between tests: flagged as a short interval (tests carry about +/-4 "
        "months of error). Enrolments ended by the last day of the term, with both tests. A group is judged by the "
        "measures set on it (reading and spelling ages when none is set); rows for standardised scores, SDQ, Boxall, "
        "ratings and levels give pre and post, with no ratio gain or band."
    ),
    "no-gain-but-semh": (
        "Pupils whose English or maths teacher assessment did not rise from last term to this term, but whose SDQ "
        "total difficulties or Boxall section II fell, Boxall section I rose, behaviour points fell, or a "
        "qualitative rating or self-assessment rose: a positive finding to report."
    ),
    "register-summary": (
        "Pupils on the register on the last day of this term, by provision and by primary need, against the same "
        "day a year earlier. Governors: a row under 5 in either year is suppressed, and so is the next smallest row "
        "of the provisions or of the needs where one alone would be (the SEN total can be worked out from either)."
    ),
    "transition-matrix": (
        "For each subject: how many pupils went from each baseline result to each result this term (the pupils of "
        "the expected-progress report). A cell is on or above expected when every pupil in it is expected or "
        "exceeding under the rule that judged them. Pre-key-stage standards and the engagement model are ladders of "
        "their own, counted in steps from the pupil's earliest result in their present key stage (by their year "
        "group) to this term's; they never mix with points, and no expectation is defined on them, so their cells "
        "are not marked. Governors see cells under 5 suppressed, and the next smallest cell of a starting point "
        "where one alone would be."
    ),
    "standardised-progress": (
        "For each pupil and test measure with standardised scores (mean 100, sd 15): change = the latest score "
        "dated by the end of this term - the latest score dated at least 90 days before it. Accelerated: a change "
        "of 5 or more; fell behind: -5 or less; kept pace otherwise. A group's effect size = its mean change / 15."
    ),
}

#: Notes on figures that are not reports of their own, for the pages and the pack.
FIGURE_NOTES = {
    "quartile-expectations": (
        "Ofsted took expected progress for pupils working below level 1 to be the median progress nationally of "
        "pupils with the same starting point. A quartile table gives, for a transition (KS1-KS2, KS2-KS3, KS2-KS4 or "
        "KS3-KS4), subject and starting point, the lower quartile, median and upper quartile of outcomes at the end "
        "of the later key stage (a bare digit is a whole level, scored as its b sub-level; 0 is below level 1, "
        "scored as W). With b the baseline points, Q a quartile's points, t terms elapsed and S the span's terms, "
        "the quartile reached in step so far is b + (Q - b) x min(t, S) / S. Exceeding: at or above the upper "
        "quartile and above the median; expected: at or above the median; below otherwise. The school chooses which "
        "baselines this covers: below level 1 (P-scales and W, the default), all, or none. The shipped table is "
        "2012 national data from a secondary summary (no P-level rows): load the official tables as a set."
    ),
    "groups": (
        "Groups: all pupils; SEN (K or E), SEN support (K), EHC plan (E) and no SEN, from the register entry open on "
        "the last day of the term; pupil premium or not; EAL or not; looked after or not; female and male; year 7 "
        "to year 13 (the year group recorded for the pupil); and the broad area of the primary need on the last day "
        "of the term (communication and interaction: SLCN, ASD; cognition and learning: SPLD, MLD, SLD, PMLD; SEMH, "
        "BESD; sensory and/or physical: HI, VI, MSI, PD). A group with no pupils has no row."
    ),
    "suppression": (
        "Governors never see a figure about fewer than 5 pupils: the row shows 'suppressed', with no number of "
        "pupils. Groups come in parts of a larger group (SEN support + EHC plan = SEN; SEN + no SEN = all; pupil "
        "premium + not = all; and so on): where one part alone would be suppressed, the next smallest part is "
        "suppressed too, over and over until no hidden figure can be worked out by subtracting shown figures from "
        "their total, on the same page or in the same pack."
    ),
    "intervention-measures": (
        "An intervention group is judged by the measures set on it; with none set, by reading and spelling ages. For "
        "each pupil and measure: pre = the last result on or before the start + 14 days, post = the first on or after "
        "the end - 14 days and after pre (reading and spelling ages and standardised scores from the tests; SDQ "
        "total difficulties and Boxall section totals from the checklists; ratings and NC levels, in points, dated "
        "the last day of their term unless an assessment has its own date). Change = post - pre; ratio gain and its "
        "band for reading and spelling ages only. Per programme and measure: effect size = mean gain / sd, the gain "
        "being the change in the better direction (a fall in SDQ difficulties is a gain) and sd 15 for standardised "
        "scores, else the spread (sample sd) of the programme's pre values; cost per unit gained = the programme's "
        "cost to date / the total gained."
    ),
}
