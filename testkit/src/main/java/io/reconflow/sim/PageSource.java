package io.reconflow.sim;

import java.time.LocalDate;

/**
 * One batch served from elsewhere than a {@link Scenario} in memory (pages on disk, say): the
 * simulator asks for a page's body when a request for it comes.
 */
public interface PageSource {
    String feed();

    LocalDate businessDate();

    /** The manifest's JSON body ({@link Scenario.Manifest#toJson()}). */
    byte[] manifest();

    int pageCount();

    /** Page {@code number}'s body (1 to {@link #pageCount()}), exactly as served. */
    byte[] page(int number);
}
