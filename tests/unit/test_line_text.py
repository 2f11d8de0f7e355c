"""The line editor's Qt-free rules: word stops, placing an edited text on the crop, low-confidence runs."""

import time

import pytest

from labeler.ui.line_text import CharSpot, align, cursor_x, is_stop, low_runs, next_stop, previous_stop, spread


def stops_forward(text: str) -> list[int]:
    out, pos = [], 0
    while pos < len(text):
        pos = next_stop(text, pos)
        out.append(pos)
    return out


def test_ctrl_right_stops_at_words_digit_letter_changes_and_punctuation():
    text = "INV-2026/11 total:42.50EUR"
    pieces = [text[a:b] for a, b in zip([0, *stops_forward(text)], stops_forward(text))]
    assert pieces == ["INV", "-", "2026", "/", "11 ", "total", ":", "42", ".", "50", "EUR"]


def test_spaces_are_skipped_and_repeated_marks_are_one_stop():
    assert stops_forward("hello   world") == [8, 13]
    assert stops_forward("wait... (ok)") == [4, 8, 9, 11, 12]
    assert stops_forward("") == []
    assert is_stop("ab", 0) and is_stop("ab", 2) and not is_stop("ab", 1)


def test_ctrl_left_is_the_mirror_of_ctrl_right():
    text = "Total: 42.50 EUR"
    forward = stops_forward(text)
    backward, pos = [], len(text)
    while pos > 0:
        pos = previous_stop(text, pos)
        backward.append(pos)
    assert sorted(set(backward[:-1]) | {len(text)}) == forward
    assert previous_stop(text, 0) == 0 and next_stop(text, len(text)) == len(text)


def test_letters_of_any_script_are_one_word_and_digits_split_from_them():
    assert stops_forward("发票号码12345元") == [4, 9, 10]


READ = "Tota1: 42.5"
SPOTS = [CharSpot(10.0 * i, 10.0 * i + 8, 0.9 if c != "1" else 0.3) for i, c in enumerate(READ)]


def test_unchanged_text_keeps_the_reading():
    assert align(READ, SPOTS, READ, 120) == SPOTS
    assert low_runs(SPOTS, 0.5) == [(4, 5)]


def test_a_replaced_character_takes_its_place_and_is_no_longer_low():
    spots = align(READ, SPOTS, "Total: 42.5", 120)
    assert spots[4] == CharSpot(40.0, 48.0, None)  # typed: where the "1" was, no probability
    assert spots[:4] == SPOTS[:4] and spots[5:] == SPOTS[5:]
    assert low_runs(spots, 0.5) == []


def test_inserted_characters_share_the_gap_and_deleted_ones_go():
    spots = align(READ, SPOTS, "Tota1: 42.50", 120)
    assert len(spots) == 12 and spots[-1].prob is None and spots[-1].x0 == SPOTS[-1].x1
    assert spots[-1].x1 == 120  # after the last character read: up to the crop's end
    inserted = align(READ, SPOTS, "Tota1:: 42.5", 120)
    assert inserted[6].prob is None and SPOTS[5].x1 <= inserted[6].x0 <= inserted[6].x1 <= SPOTS[6].x0
    deleted = align(READ, SPOTS, "Tota1 42.5", 120)
    assert [s.x0 for s in deleted] == [s.x0 for i, s in enumerate(SPOTS) if i != 5]


def test_positions_stay_monotonic_under_any_edit():
    for text in ("", "x", "Tot 42", "completely different", "Tota1: 42.5 and more", "0" + READ):
        spots = align(READ, SPOTS, text, 120)
        assert len(spots) == len(text)
        assert all(a.x0 <= b.x0 for a, b in zip(spots, spots[1:]))
        assert all(0 <= s.x0 <= s.x1 <= 120 for s in spots)


def test_cursor_x_and_spread():
    assert cursor_x(SPOTS, 0) == 0 and cursor_x(SPOTS, 3) == 30 and cursor_x(SPOTS, len(SPOTS)) == SPOTS[-1].x1
    assert cursor_x([], 0) == 0
    assert spread(4, 100) == [
        CharSpot(0, 25, None),
        CharSpot(25, 50, None),
        CharSpot(50, 75, None),
        CharSpot(75, 100, None),
    ]
    with pytest.raises(ValueError):
        align("ab", SPOTS, "ab", 100)


def test_realigning_a_long_line_on_each_keystroke_is_cheap():
    read = "".join(chr(ord("a") + i % 26) for i in range(10_000))
    spots = spread(len(read), 100_000, 0.9)
    start = time.perf_counter()
    for k in range(20):
        text = read[: 5000 + k] + "X" + read[5000 + k :]
        assert len(align(read, spots, text, 100_000)) == len(text)
    assert (time.perf_counter() - start) / 20 < 0.02
    unrelated = "".join(chr(ord("A") + i % 26) for i in range(9_000))
    start = time.perf_counter()
    assert len(align(read, spots, unrelated, 100_000)) == len(unrelated)
    assert time.perf_counter() - start < 0.05  # no quadratic diff of unrelated texts
