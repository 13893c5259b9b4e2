package org.safeloop.env.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a configuration record with a key that belongs to another kind of file, so that {@link
 * YamlConfig} can say what a mistaken file is (e.g. "this is a model file; a scenario refers to it
 * with {@code process:}") instead of listing the keys it does not know.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Repeatable(OtherFileKind.List.class)
public @interface OtherFileKind {
  /** A top-level key that only the other kind of file has, e.g. {@code equations}. */
  String key();

  /** What the file is and where it belongs, for the user. */
  String message();

  /** The container of repeated {@link OtherFileKind} annotations. */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @interface List {
    /** The annotations. */
    OtherFileKind[] value();
  }
}
