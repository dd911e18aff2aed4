package io.reconflow.sim;

import io.reconflow.sim.Generated.Item;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Lays a batch's records out on pages, each exact duplicate on another page than its original. */
final class Pages {
    private final FeedPlan plan;
    private final SplittableRandom r;

    Pages(BatchScope scope) {
        this.plan = scope.plan;
        this.r = scope.r;
    }

    List<Scenario.Page> paginate(List<Item> all) {
        List<Item> items = ValueFactory.shuffled(all, r);
        int size = plan.settings.pageSize();
        int pageCount = (items.size() + size - 1) / size;
        if (pageCount > 1) {
            // An exact duplicate goes on another page than its original (at-least-once delivery across pages).
            // Where each group's twins are, kept up to date across swaps (a scan per lookup is quadratic at 1 M records).
            Map<Integer, int[]> where = twinPositions(items);
            for (int g = 0; g < plan.settings.exactDuplicates(); g++) {
                int[] at = twins(where, g);
                for (int tries = 0; tries < 10_000 && at[0] / size == at[1] / size; tries++) {
                    int q = r.nextInt(items.size());
                    int page = at[1] / size;
                    if (q / size == page) {
                        continue;
                    }
                    Item x = items.get(q);
                    if (x.group >= 0) {
                        int[] xt = twins(where, x.group);
                        int partner = xt[0] == q ? xt[1] : xt[0];
                        if (partner / size == page) {
                            continue;
                        }
                    }
                    items.set(q, items.get(at[1]));
                    items.set(at[1], x);
                    moved(where.get(g), at[1], q);
                    if (x.group >= 0) {
                        moved(where.get(x.group), q, at[1]);
                    }
                    at = twins(where, g);
                }
            }
        }
        List<Scenario.Page> pages = new ArrayList<>();
        for (int p = 0; p < pageCount; p++) {
            List<String> texts = new ArrayList<>();
            for (Item it : items.subList(p * size, Math.min(items.size(), (p + 1) * size))) {
                texts.add(it.text);
            }
            pages.add(new Scenario.Page(p + 1, texts));
        }
        return pages;
    }

    /** Each group's first and last position, as a scan in page order finds them. */
    private static Map<Integer, int[]> twinPositions(List<Item> items) {
        Map<Integer, int[]> where = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            int group = items.get(i).group;
            if (group >= 0) {
                int[] at = where.computeIfAbsent(group, k -> new int[] {-1, -1});
                at[at[0] < 0 ? 0 : 1] = i;
            }
        }
        return where;
    }

    /** A group's two positions, lower first. */
    private static int[] twins(Map<Integer, int[]> where, int group) {
        int[] at = where.getOrDefault(group, new int[] {-1, -1});
        return at[0] <= at[1] ? new int[] {at[0], at[1]} : new int[] {at[1], at[0]};
    }

    private static void moved(int[] at, int from, int to) {
        at[at[0] == from ? 0 : 1] = to;
    }
}
