package io.reconflow.sim;

import io.reconflow.sim.Generated.Item;

import java.util.ArrayList;
import java.util.List;
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
            for (int g = 0; g < plan.settings.exactDuplicates(); g++) {
                int[] at = twins(items, g);
                for (int tries = 0; tries < 10_000 && at[0] / size == at[1] / size; tries++) {
                    int q = r.nextInt(items.size());
                    int page = at[1] / size;
                    if (q / size == page) {
                        continue;
                    }
                    Item x = items.get(q);
                    if (x.group >= 0) {
                        int[] xt = twins(items, x.group);
                        int partner = xt[0] == q ? xt[1] : xt[0];
                        if (partner / size == page) {
                            continue;
                        }
                    }
                    items.set(q, items.get(at[1]));
                    items.set(at[1], x);
                    at = twins(items, g);
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

    private int[] twins(List<Item> items, int group) {
        int[] at = {-1, -1};
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).group == group) {
                at[at[0] < 0 ? 0 : 1] = i;
            }
        }
        return at;
    }
}
