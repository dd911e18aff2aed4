package io.reconflow.operators.match;

import java.io.Serializable;

/**
 * One pass of matching, in the order the YAML lists them. A pass without tolerances needs every
 * rule to hold exactly; a pass with tolerances lets each rule use its tolerance.
 *
 * @param number 1-based position, recorded in each result the pass decides
 * @param name the pass's name, recorded alongside
 * @param tolerances whether tolerances apply in this pass
 */
public record MatchPass(int number, String name, boolean tolerances) implements Serializable {}
