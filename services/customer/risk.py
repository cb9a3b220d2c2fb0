"""The risk questionnaire (风险承受能力评估) and its scoring — pure, documented in
docs/risk-questionnaire.md (keep the two in step: a unit test compares them)."""
from __future__ import annotations

LEVELS = ("C1", "C2", "C3", "C4", "C5")
PRODUCT_LEVELS = ("R1", "R2", "R3", "R4", "R5")

# (id, question, {option: (label, points)})
QUESTIONS: list[tuple[str, str, dict[str, tuple[str, int]]]] = [
    ("age", "Your age", {
        "a": ("under 30", 8), "b": ("30-45", 10), "c": ("46-55", 6), "d": ("56-65", 3), "e": ("over 65", 0)}),
    ("income", "Annual household income", {
        "a": ("under 100k CNY", 2), "b": ("100k-300k", 5), "c": ("300k-1M", 8), "d": ("over 1M", 10)}),
    ("investable_share", "Share of your assets you plan to invest", {
        "a": ("under 10%", 10), "b": ("10-25%", 7), "c": ("25-50%", 4), "d": ("over 50%", 1)}),
    ("experience", "Years of experience with funds, stocks or other non-deposit products", {
        "a": ("none", 0), "b": ("under 2 years", 4), "c": ("2-5 years", 7), "d": ("over 5 years", 10)}),
    ("knowledge", "Your knowledge of investment products", {
        "a": ("very little", 0), "b": ("basic", 4), "c": ("good", 7), "d": ("professional", 10)}),
    ("horizon", "How long you can leave the money invested", {
        "a": ("under 1 year", 2), "b": ("1-3 years", 5), "c": ("3-5 years", 8), "d": ("over 5 years", 10)}),
    ("goal", "Main goal of the investment", {
        "a": ("preserve capital", 0), "b": ("steady income", 4), "c": ("balanced growth", 7),
        "d": ("maximum growth", 10)}),
    ("loss_tolerance", "Largest loss you could bear in a year", {
        "a": ("no loss at all", 0), "b": ("up to 10%", 4), "c": ("up to 30%", 7), "d": ("over 30%", 10)}),
    ("reaction", "Your investment falls 20% in a month; you would", {
        "a": ("sell everything", 0), "b": ("sell part", 3), "c": ("hold", 7), "d": ("buy more", 10)}),
    ("debt", "Your debts compared with your annual income", {
        "a": ("over 2x", 0), "b": ("1-2x", 4), "c": ("under 1x", 7), "d": ("no debt", 10)}),
]

# Score bands (inclusive lower bounds), out of 100.
BANDS = ((0, "C1"), (21, "C2"), (41, "C3"), (61, "C4"), (81, "C5"))
# A customer who can bear no loss at all is conservative whatever the rest says.
CAPS = {("loss_tolerance", "a"): "C1", ("age", "e"): "C3"}


def answers_problems(answers: dict) -> dict:
    """Field errors keyed by question id: every question answered with a known option."""
    errors = {}
    known = {q for q, _, _ in QUESTIONS}
    for qid, _, options in QUESTIONS:
        if qid not in answers:
            errors[qid] = ["Missing answer."]
        elif answers[qid] not in options:
            errors[qid] = [f"Choose one of {', '.join(options)}."]
    for extra in set(answers) - known:
        errors[extra] = ["Unknown question."]
    return errors


def score(answers: dict) -> tuple[int, str]:
    """(points, level) for a complete, valid set of answers."""
    points = sum(options[answers[qid]][1] for qid, _, options in QUESTIONS)
    level = "C1"
    for lower, lvl in BANDS:
        if points >= lower:
            level = lvl
    for (qid, opt), cap in CAPS.items():
        if answers.get(qid) == opt and LEVELS.index(cap) < LEVELS.index(level):
            level = cap
    return points, level


def suitable(customer_level: str | None, product_level: str) -> bool:
    """适当性: a product of risk Rn only for customers of level Cn or above."""
    if customer_level not in LEVELS:
        return False
    return LEVELS.index(customer_level) >= PRODUCT_LEVELS.index(product_level)


def questionnaire() -> list[dict]:
    return [{"id": qid, "question": text,
             "options": [{"value": k, "label": label, "points": pts} for k, (label, pts) in opts.items()]}
            for qid, text, opts in QUESTIONS]
