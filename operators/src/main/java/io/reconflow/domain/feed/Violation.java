package io.reconflow.domain.feed;

import io.reconflow.events.ErrorCode;

/** Why a record broke its feed's schema: the code, the field (if one) and a message for people. */
public record Violation(ErrorCode code, String field, String message) {}
