"""Matrices on real data: either search direction gives single-route costs, closures included."""

from __future__ import annotations

import numpy as np
import pytest


def test_matrix_with_more_origins_than_destinations_matches_routes(imported_city) -> None:
    city = imported_city("heidelberg")
    router = city.router
    comp = city.network.nodes["component"].to_numpy()
    main = np.flatnonzero(comp == np.bincount(comp).argmax())
    rng = np.random.default_rng(7)
    src = rng.choice(main, 40, replace=False)
    dst = rng.choice(main, 6, replace=False)
    limits = {"max_kerb_cm": 6}

    def check() -> None:
        many = router.matrix(src, dst, profile="wheelchair", **limits)   # reverse search
        few = router.matrix(dst, src, profile="wheelchair", **limits)    # forward search
        assert many.cost_s.shape == (40, 6) and few.cost_s.shape == (6, 40)
        for i in range(0, 40, 7):
            for j in range(6):
                single = router.route_nodes(int(src[i]), int(dst[j]), profile="wheelchair",
                                            **limits).cost_s
                assert many.cost_s[i, j] == pytest.approx(single)
                back = router.route_nodes(int(dst[j]), int(src[i]), profile="wheelchair",
                                          **limits).cost_s
                assert few.cost_s[j, i] == pytest.approx(back)

    check()
    # a closure on one of those routes reaches both search directions
    route = router.route_nodes(int(src[0]), int(dst[0]), profile="wheelchair", **limits)
    arc = int(route.arcs[len(route.arcs) // 2])
    before = float(route.cost_s)
    item = city.closures.close("arc", arc, reason="test", network=city.network)
    try:
        check()
        after = router.matrix(src[:1], dst[:1], profile="wheelchair", **limits).cost_s[0, 0]
        again = router.matrix(np.r_[src[:1], src[1:3]], dst[:1], profile="wheelchair",
                              **limits).cost_s[0, 0]
        assert again == pytest.approx(after)
        assert after >= before
    finally:
        city.closures.reopen(item.id)
