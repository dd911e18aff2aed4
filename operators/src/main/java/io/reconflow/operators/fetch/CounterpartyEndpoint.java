package io.reconflow.operators.fetch;

import java.io.Serializable;

/**
 * Where and how to reach one counterparty.
 *
 * @param name the counterparty's name in the reconciliation (not a secret)
 * @param baseUrl e.g. {@code http://127.0.0.1:8089}; paths of counterparty-api.yaml are appended
 * @param tokenEnv the environment variable that holds its bearer token; the token itself is read on
 *     the task manager and never stored in the job graph, a log line or an exception
 * @param fetch this counterparty's own fetch settings, or null to use the fetch function's global ones
 */
public record CounterpartyEndpoint(String name, String baseUrl, String tokenEnv, FetchSettings fetch)
        implements Serializable {

    /** An endpoint that uses the global fetch settings. */
    public CounterpartyEndpoint(String name, String baseUrl, String tokenEnv) {
        this(name, baseUrl, tokenEnv, null);
    }

    /** This counterparty's settings: its own, else {@code global}. */
    public FetchSettings settings(FetchSettings global) {
        return fetch != null ? fetch : global;
    }
}
