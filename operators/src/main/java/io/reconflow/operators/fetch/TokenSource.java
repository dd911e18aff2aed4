package io.reconflow.operators.fetch;

import java.io.Serializable;

/**
 * Where a fetch function gets bearer tokens when not from the environment; only tests use it.
 * Part of the function's serialized form, so it must hold no token itself in production.
 */
@FunctionalInterface
interface TokenSource extends Serializable {
    String token(CounterpartyEndpoint endpoint);
}
