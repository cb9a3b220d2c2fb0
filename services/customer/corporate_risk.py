"""The corporate risk and credit assessment (公司客户风险与信用评估) — pure.

A company is not a household: the individual questionnaire (age, household income) does
not apply to it. Its own questions give two results: a risk level C1–C5 (the same scale as
individuals, so suitability works unchanged) from its investment questions, and a credit
grade A–D from its financial-health questions. docs/products.md describes it.
"""
from __future__ import annotations

from .risk import BANDS, LEVELS

# (id, question, part, {option: (label, points)}); part: "risk" or "credit"
QUESTIONS: list[tuple[str, str, str, dict[str, tuple[str, int]]]] = [
    ("years_in_business", "Years in business", "credit", {
        "a": ("under 2", 0), "b": ("2-5", 10), "c": ("5-10", 18), "d": ("over 10", 25)}),
    ("revenue", "Annual revenue", "credit", {
        "a": ("under 5M CNY", 5), "b": ("5M-50M", 12), "c": ("50M-500M", 20), "d": ("over 500M", 25)}),
    ("debt_ratio", "Liabilities / assets", "credit", {
        "a": ("over 80%", 0), "b": ("60-80%", 8), "c": ("40-60%", 17), "d": ("under 40%", 25)}),
    ("overdue_history", "Overdue loans or interest in the last 3 years", "credit", {
        "a": ("more than once", 0), "b": ("once", 10), "c": ("never", 25)}),
    ("treasury_experience", "Experience with investment products beyond deposits", "risk", {
        "a": ("none", 0), "b": ("money-market and bonds", 10), "c": ("mixed funds", 18), "d": ("equities", 25)}),
    ("purpose", "Purpose of the investable funds", "risk", {
        "a": ("working capital, may be needed any day", 0), "b": ("reserve, needed within a year", 10),
        "c": ("surplus, not needed for 1-3 years", 18), "d": ("long-term surplus", 25)}),
    ("loss_tolerance", "Loss the board accepts on invested funds in a year", "risk", {
        "a": ("none", 0), "b": ("up to 5%", 10), "c": ("up to 15%", 18), "d": ("over 15%", 25)}),
    ("approval", "Who approves investments", "risk", {
        "a": ("no formal process", 0), "b": ("the finance manager", 10), "c": ("a committee with limits", 25)}),
]
GRADES = ((0, "D"), (40, "C"), (65, "B"), (85, "A"))   # credit points out of 100 → grade
# A company that accepts no loss is conservative whatever else it says.
CAPS = {("loss_tolerance", "a"): "C1"}


def answers_problems(answers: dict) -> dict:
    errors = {}
    for qid, _q, _part, options in QUESTIONS:
        if qid not in answers:
            errors[qid] = ["Missing answer."]
        elif answers[qid] not in options:
            errors[qid] = [f"Choose one of {', '.join(options)}."]
    for extra in set(answers) - {q[0] for q in QUESTIONS}:
        errors[extra] = ["Unknown question."]
    return errors


def score(answers: dict) -> tuple[int, str, int, str]:
    """(risk points, level C1–C5, credit points, grade A–D), each part out of 100."""
    risk = sum(opts[answers[q]][1] for q, _t, part, opts in QUESTIONS if part == "risk")
    credit = sum(opts[answers[q]][1] for q, _t, part, opts in QUESTIONS if part == "credit")
    level = "C1"
    for lower, lvl in BANDS:
        if risk >= lower:
            level = lvl
    for (qid, opt), cap in CAPS.items():
        if answers.get(qid) == opt and LEVELS.index(cap) < LEVELS.index(level):
            level = cap
    grade = "D"
    for lower, g in GRADES:
        if credit >= lower:
            grade = g
    return risk, level, credit, grade


def questionnaire() -> list[dict]:
    return [{"id": qid, "question": text, "part": part,
             "options": [{"value": k, "label": label, "points": pts} for k, (label, pts) in opts.items()]}
            for qid, text, part, opts in QUESTIONS]
