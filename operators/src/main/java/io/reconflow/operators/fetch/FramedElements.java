package io.reconflow.operators.fetch;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Where the elements of the top-level object's arrays end, found while the body arrived, so that
 * {@link PageParser} cuts the records out without reading their bytes again: per array, the
 * position of its {@code [}, then of each element's {@code ,} or the closing {@code ]}, and
 * whether the element held a byte that is not ASCII.
 */
final class FramedElements {
    /** At most this many marks (4 MiB): a body of tiny elements must not take several times its size. */
    static final int MAX_MARKS = 1 << 20;

    /** An array's {@code [} at p as -(p + 1), each element's end at p as p. */
    private int[] marks = new int[64];
    private final BitSet nonAscii = new BitSet();
    private int size;

    /** False when the bound is reached. */
    boolean start(long at) {
        return add(-(int) at - 1);
    }

    /** False when the bound is reached. */
    boolean end(long at, boolean notAscii) {
        if (notAscii && size < MAX_MARKS) {
            nonAscii.set(size);
        }
        return add((int) at);
    }

    private boolean add(int mark) {
        if (size == MAX_MARKS) {
            return false;
        }
        if (size == marks.length) {
            marks = Arrays.copyOf(marks, Math.min(MAX_MARKS, size * 2));
        }
        marks[size++] = mark;
        return true;
    }

    /**
     * The first element end of the array whose {@code [} is at {@code open}, when that array was
     * seen to close (its last mark is a {@code ]}); -1 otherwise.
     */
    int elementsOf(int open, byte[] body, int limit) {
        int start = -open - 1;
        for (int k = 0; k < size; k++) {
            if (marks[k] == start) {
                for (int e = k + 1; e < size && marks[e] >= 0 && marks[e] < limit; e++) {
                    if (body[marks[e]] == ']') {
                        return k + 1;
                    }
                }
                return -1;
            }
        }
        return -1;
    }

    /** The position of the k-th mark (a {@code ,} or {@code ]}). */
    int position(int k) {
        return marks[k];
    }

    boolean nonAscii(int k) {
        return nonAscii.get(k);
    }
}
