"""Evaluation semantics of trctl.expr: the 19 worked examples of reference §6 and one table row per
semantic rule (NULL, type mismatches, array/scalar operators, keys, precedence, literals)."""

from __future__ import annotations

from collections import ChainMap
from types import MappingProxyType

import pytest

from trctl.expr import evaluate, parse

TASK = {
    "selected_language": "es",
    "type": "support",
    "priority_level": 3,
    "customer": {"tier": "gold", "tags": ["vip", "returning"]},
    "preferred_agents": ["agent01", "agent04"],
    "required_skill": "billing",
}
ALICE = {
    "languages": ["en", "es"],
    "skills": ["support", "billing"],
    "level": 5,
    "id": "agent01",
    "name": "Alice Smith",
}
BOB = {"languages": ["en"]}
TASK_AND_ALICE = {"task": TASK, "worker": ALICE}

WORKED_EXAMPLES = [
    (1, TASK, 'selected_language == "es"', True),
    (2, TASK, "selected_language == 'en'", False),
    (3, TASK, 'type == "support" AND priority_level >= 3', True),
    (4, TASK, 'type == "sales" OR customer.tier == "gold"', True),
    (5, TASK, 'customer.tags HAS "vip"', True),
    (6, TASK, 'customer.tier IN ["gold", "platinum"]', True),
    (7, TASK, "customer.tier NOT IN ['gold', 'platinum']", False),
    (8, TASK, 'customer.tags[1] == "returning"', True),
    (9, TASK, 'missing_key == "x"', False),
    (10, TASK, "missing_key != null", False),
    (11, TASK, 'customer.tags == "vip"', False),
    (12, TASK, 'selected_language HAS "es"', False),
    (
        13,
        TASK,
        '(type == "support" AND selected_language == "en") OR priority_level == 3',
        True,
    ),
    (14, ALICE, 'languages HAS "es"', True),
    (14, BOB, 'languages HAS "es"', False),
    (15, ALICE, 'name CONTAINS "Smith"', True),
    (16, TASK_AND_ALICE, "worker.id IN task.preferred_agents", True),
    (17, TASK_AND_ALICE, "task.required_skill IN worker.skills", True),
    (18, TASK_AND_ALICE, 'worker.level > 3 AND task.customer.tier == "gold"', True),
    (19, {}, "1==1", True),
]


@pytest.mark.parametrize(("number", "context", "text", "expected"), WORKED_EXAMPLES)
def test_worked_examples_of_the_reference(number, context, text, expected):
    assert parse(text).evaluate(context) is expected
    assert evaluate(text, context) is expected


CTX = {
    "s": "Alice Smith",
    "lower": "alice",
    "n": 5,
    "f": 2.5,
    "zero": 0,
    "neg": -3,
    "yes": True,
    "no": False,
    "nothing": None,
    "arr": ["en", "es"],
    "nums": [1, 2, 3.5],
    "bools": [True],
    "mixed": ["1", 1, None, [2], {"k": 1}],
    "empty": [],
    "obj": {"k": "v", "inner": {"deep": [10, {"x": "y"}]}},
    "workers": {"available": 2, "unavailable": 1, "WA0123": 1},
    "task": {"agents": ["agent01"], "tier": "gold"},
    "worker": {"id": "agent01", "level": 4},
}

SEMANTICS = [
    # a missing key is NULL; == null / != null are presence tests
    ("missing == null", True),
    ("nothing == null", True),
    ("n == null", False),
    ("arr == null", False),
    ("obj == null", False),
    ("missing != null", False),
    ("nothing != null", False),
    ("n != null", True),
    ("zero != null", True),
    ("no != null", True),
    ("arr != null", True),
    ("empty != null", True),
    ("obj != null", True),
    ("null == missing", True),
    ("null != n", True),
    ("null == null", True),
    ("null != null", False),
    ("obj.k.deeper == null", True),
    # every other comparison involving NULL is false
    ('missing == "x"', False),
    ('missing != "x"', False),
    ("nothing != 1", False),
    ("missing < 3", False),
    ("missing >= 3", False),
    ("missing IN [1, 2]", False),
    ("missing NOT IN [1, 2]", False),
    ("nothing NOT IN [1, 2]", False),
    ("n IN missing", False),
    ("n NOT IN missing", False),
    ('missing HAS "a"', False),
    ('missing CONTAINS "a"', False),
    ("s CONTAINS missing", False),
    ("arr HAS null", False),
    ("null IN [null]", False),
    ("nothing IN [null, 1]", False),
    ("missing == other_missing", False),
    ("missing != other_missing", False),
    ("null < 1", False),
    # CONTAINS: substring of a string, case-sensitive; anything else false
    ('s CONTAINS "Smith"', True),
    ('s CONTAINS "smith"', False),
    ('s CONTAINS ""', True),
    ('arr CONTAINS "es"', False),
    ('n CONTAINS "5"', False),
    ("s CONTAINS 5", False),
    ('obj CONTAINS "k"', False),
    # HAS: the array on the left holds the scalar on the right
    ('arr HAS "es"', True),
    ('arr HAS "ES"', False),
    ('s HAS "A"', False),
    ("nums HAS 1", True),
    ("nums HAS 1.0", True),
    ("nums HAS 3.5", True),
    ('nums HAS "1"', False),
    ("bools HAS true", True),
    ("bools HAS 1", False),
    ("nums HAS true", False),
    ('mixed HAS "1"', True),
    ("mixed HAS 1", True),
    ('arr HAS ["es"]', False),
    ("empty HAS 1", False),
    ('obj HAS "k"', False),
    # IN / NOT IN: the scalar on the left is (not) an element of the array on the right
    ('"es" IN arr', True),
    ('"fr" IN arr', False),
    ("n IN [4, 5]", True),
    ("n IN [4.0, 5.0]", True),
    ('n IN ["5"]', False),
    ("yes IN [1]", False),
    ("yes IN [true]", True),
    ("zero IN [false]", False),
    ("n IN n", False),
    ('s IN "Alice Smith"', False),
    ('arr IN [["en", "es"]]', False),
    ("obj IN [1]", False),
    ('"fr" NOT IN arr', True),
    ('"es" NOT IN arr', False),
    ("n NOT IN [1, 2]", True),
    ("n NOT IN [5]", False),
    ('n NOT IN ["5"]', True),
    ('arr NOT IN ["x"]', False),
    ('n NOT IN "abc"', False),
    ("n NOT IN []", True),
    ("n IN []", False),
    ("n IN [1, null, 5]", True),
    ("worker.id IN task.agents", True),
    ('worker.id IN [task.tier, "agent01"]', True),
    ('worker.id IN [task.tier, "nobody"]', False),
    ('"gold" IN [task.tier]', True),
    ("n NOT IN [zero, neg]", True),
    # == and != need two scalars of the same kind; ints and floats compare numerically
    ("n == 5", True),
    ("n == 5.0", True),
    ("f == 2.5", True),
    ("neg == -3", True),
    ('n == "5"', False),
    ('n != "5"', False),
    ("n != 6", True),
    ("n != 5", False),
    ("yes == true", True),
    ("yes == TRUE", True),
    ("yes == 1", False),
    ("zero == false", False),
    ("no != true", True),
    ("yes != 1", False),
    ('s == "Alice Smith"', True),
    ('lower == "ALICE"', False),
    ('lower != "ALICE"', True),
    ('arr == ["en", "es"]', False),
    ('arr != ["en"]', False),
    ('arr == "en"', False),
    ('arr != "en"', False),
    ("obj == obj", False),
    ("n == n", True),
    ('"a" == "a"', True),
    ("1 == 1.0", True),
    ("1 == true", False),
    # ordering: numbers with numbers, strings with strings (case-sensitive code points)
    ("n > 3", True),
    ("n >= 5", True),
    ("n > 5", False),
    ("n <= 5", True),
    ("n < 5.5", True),
    ("neg < -2.5", True),
    ("f > 2", True),
    ('n > "3"', False),
    ('s > "Alice"', True),
    ('lower < "bob"', True),
    ('"B" < "a"', True),
    ("yes > false", False),
    ("yes >= true", False),
    ("arr > 1", False),
    ("obj < 1", False),
    # a literal on the left is mirrored, not rejected
    ("3 < n", True),
    ("5 <= n", True),
    ("6 <= n", False),
    ("6 > n", True),
    ('"Alice Smith" == s', True),
    ('"Alice Smith" != s', False),
    # keys: dotted paths, array indexes, out of range or through a scalar -> NULL
    ('obj.k == "v"', True),
    ("obj.inner.deep[0] == 10", True),
    ('obj.inner.deep[1].x == "y"', True),
    ("obj.inner.deep[2] == null", True),
    ("arr[5] == null", True),
    ('arr[0] == "en"', True),
    ("s.k == null", True),
    ("n[0] == null", True),
    ("obj[0] == null", True),
    ("arr.k == null", True),
    ("mixed[3][0] == 2", True),
    ("mixed[4].k == 1", True),
    # skip_if variables
    ("workers.available == 0", False),
    ("workers.available > 1 AND workers.WA0123 == 1", True),
    ("workers.unavailable >= 1 OR 1==1", True),
    # AND binds tighter than OR
    ("n == 5 OR n == 0 AND n == 0", True),
    ("(n == 5 OR n == 0) AND n == 0", False),
    ("n == 0 AND n == 0 OR n == 5", True),
    ("n == 0 AND (n == 0 OR n == 5)", False),
    ("n == 5 AND n == 5 AND n == 5 AND n == 6", False),
    ("n == 0 OR n == 1 OR n == 2 OR n == 5", True),
    ("((((n == 5))))", True),
    # keywords in any case
    ('arr has "es" and n in [5] or s contains "x"', True),
    ('n Not In [1] AND arr HaS "en"', True),
    ("nothing == NULL AND yes == True AND no == fAlSe", True),
    # constants on both sides
    ("1 == 2", False),
    ('"a" IN ["a", "b"]', True),
    ('["a"] HAS "a"', True),
    ('"abc" CONTAINS "b"', True),
    ("2 > 1", True),
]


@pytest.mark.parametrize(("text", "expected"), SEMANTICS)
def test_semantic_rule(text, expected):
    assert parse(text).evaluate(CTX) is expected


@pytest.mark.parametrize(
    "context",
    [MappingProxyType(CTX), ChainMap({}, CTX)],
    ids=["mappingproxy", "chainmap"],
)
def test_any_mapping_works_as_context(context):
    assert parse('obj.inner.deep[1].x == "y" AND arr HAS "es"').evaluate(context) is True


def test_nested_mappings_and_tuples_that_are_not_dict_or_list():
    context = {"outer": MappingProxyType({"tags": ("a", "b"), "n": 2})}
    assert parse('outer.tags HAS "b" AND outer.tags[1] == "b" AND outer.n == 2').evaluate(context)
    assert parse('"a" IN outer.tags AND outer.n IN [2]').evaluate(context)


def test_subclasses_of_json_types_follow_their_kind():
    class Tier(str):
        pass

    class Level(int):
        pass

    context = {"tier": Tier("gold"), "level": Level(5), "tags": [Tier("vip")]}
    assert parse('tier == "gold" AND level >= 5 AND level == 5.0 AND tags HAS "vip"').evaluate(
        context
    )
    assert parse("level IN [5] AND level NOT IN [true]").evaluate(context)


def test_a_context_that_is_not_a_mapping_is_a_type_error():
    with pytest.raises(TypeError, match="mapping"):
        parse("a == 1").evaluate(["a"])  # type: ignore[arg-type]


def test_strings_with_escapes_compare_by_their_decoded_value():
    context = {"q": 'say "hi"', "apostrophe": "it's", "slash": "a\\b", "tab": "\\t"}
    assert parse(r'q == "say \"hi\""').evaluate(context)
    assert parse(r"apostrophe == 'it\'s'").evaluate(context)
    assert parse('apostrophe == "it\'s"').evaluate(context)
    assert parse(r'slash == "a\\b"').evaluate(context)
    assert parse(r'tab == "\t"').evaluate(context)  # unknown escapes stay literal


def test_nan_and_infinity_in_a_context_are_just_numbers_that_compare_false_or_ordered():
    context = {"nan": float("nan"), "inf": float("inf")}
    assert parse("nan == 1").evaluate(context) is False
    assert parse("nan < 1 OR nan >= 1").evaluate(context) is False
    assert parse("inf > 1000000").evaluate(context) is True


def test_evaluate_accepts_an_expression_and_caches_text():
    expression = parse("n == 5")
    assert evaluate(expression, CTX) is True
    assert evaluate("n == 5", CTX) is evaluate("n == 5", {"n": 5}) is True
    from trctl.expr.expression import _parse_cached

    before = _parse_cached.cache_info().hits
    evaluate("n == 5", CTX)
    assert _parse_cached.cache_info().hits == before + 1


def test_results_are_real_booleans():
    for text, _ in SEMANTICS:
        assert type(parse(text).evaluate(CTX)) is bool, text
