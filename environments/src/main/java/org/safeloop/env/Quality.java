package org.safeloop.env;

/**
 * Quality of a measured value, with the meaning of OPC UA's status code severities: a control loop
 * trusts GOOD values, treats UNCERTAIN ones by configuration, and never acts on BAD ones.
 */
public enum Quality {
  /** The value is valid. */
  GOOD,
  /** The value may be usable but is suspect (e.g. instrument at the end of its range). */
  UNCERTAIN,
  /** The value is not usable (dropout, sensor failure, communication loss). */
  BAD
}
