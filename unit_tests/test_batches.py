from rules import batches, release


def test_whole_products_about_size_lines_a_batch():
    groups = [(1, [10, 11]), (2, [12]), (3, [13, 14, 15]), (4, [16])]
    assert batches.by_product(groups, 3) == [
        ([1, 2], [10, 11, 12]),
        ([3], [13, 14, 15]),
        ([4], [16]),
    ]


def test_a_product_with_more_lines_than_size_is_a_batch_of_its_own():
    groups = [(1, [10]), (2, [11, 12, 13, 14]), (3, [15])]
    assert batches.by_product(groups, 2) == [([1], [10]), ([2], [11, 12, 13, 14]), ([3], [15])]


def test_size_below_one_is_one_product_a_batch():
    assert batches.by_product([(1, [10]), (2, [11])], 0) == [([1], [10]), ([2], [11])]


def test_nothing_to_batch():
    assert batches.by_product([], 5000) == []


def test_release_results_of_batches_add_up():
    first = release.ReleaseResult(
        planned=[release.Release(1, 7, 2.0, "receipt")], reserved={1: 2.0}, today={1: "d"}
    )
    second = release.ReleaseResult(
        planned=[release.Release(2, None, 1.0, "parked")],
        reserved={2: 1.0},
        free={(5, 9): 1.0},
        covered={7: 2.0},
    )
    first.merge(second)
    assert [row.sale_line_id for row in first.planned] == [1, 2]
    assert first.reserved == {1: 2.0, 2: 1.0}
    assert (first.free, first.covered, first.today) == ({(5, 9): 1.0}, {7: 2.0}, {1: "d"})
