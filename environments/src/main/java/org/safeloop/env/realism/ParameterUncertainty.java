package org.safeloop.env.realism;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Samples perturbed model parameters at reset, as configured by {@link UncertaintyConfig}s.
 * Stateless and thread-safe; the generators passed in are not.
 */
public final class ParameterUncertainty {
  private ParameterUncertainty() {}

  /**
   * Draws one perturbed value of a parameter.
   *
   * @param config the spread and clip
   * @param nominal the nominal value, in the parameter's unit
   * @param random generator to draw from
   * @return the perturbed value, in the parameter's unit
   */
  public static double sample(UncertaintyConfig config, double nominal, SplittableRandom random) {
    double factor =
        config.distribution().equals("normal")
            ? 1.0 + config.relativeStd() * random.nextGaussian()
            : 1.0 + config.relativeRange() * random.nextDouble(-1.0, 1.0);
    return Math.max(config.min(), Math.min(config.max(), nominal * factor));
  }

  /**
   * Draws perturbed values for every configured parameter. Each parameter draws from its own
   * stream, derived from one {@code nextLong()} of {@code random} and the parameter's name, so a
   * parameter's sample does not change when uncertainty is added to or removed from another, and
   * the result does not depend on the iteration order of either map.
   *
   * @param configs uncertainty by parameter name
   * @param nominals nominal values by parameter name, in each parameter's unit
   * @param random the episode's generator; advances by exactly one {@code nextLong()}
   * @return every parameter of {@code nominals}, in its iteration order, perturbed where configured
   * @throws IllegalArgumentException when a configured parameter is not among {@code nominals}
   */
  public static Map<String, Double> sampleAll(
      Map<String, UncertaintyConfig> configs,
      Map<String, Double> nominals,
      SplittableRandom random) {
    Objects.requireNonNull(configs, "configs");
    Objects.requireNonNull(nominals, "nominals");
    long episodeSeed = random.nextLong();
    for (String name : configs.keySet()) {
      if (!nominals.containsKey(name)) {
        throw new IllegalArgumentException(
            "parameter_uncertainty names '"
                + name
                + "', which is not a model parameter; parameters are "
                + new TreeSet<>(nominals.keySet()));
      }
    }
    Map<String, Double> sampled = new LinkedHashMap<>();
    for (Map.Entry<String, Double> nominal : nominals.entrySet()) {
      UncertaintyConfig config = configs.get(nominal.getKey());
      double value = nominal.getValue();
      if (config != null) {
        SplittableRandom own = new SplittableRandom(streamSeed(episodeSeed, nominal.getKey()));
        value = sample(config, value, own);
      }
      sampled.put(nominal.getKey(), value);
    }
    return sampled;
  }

  /** Mixes the episode seed with a 64-bit FNV-1a hash of the name (String.hashCode collides). */
  private static long streamSeed(long episodeSeed, String name) {
    long hash = 0xcbf29ce484222325L;
    for (int i = 0; i < name.length(); i++) {
      hash = (hash ^ name.charAt(i)) * 0x100000001b3L;
    }
    return mix64(episodeSeed ^ mix64(hash));
  }

  /** Stafford's variant 13 finaliser, as SplittableRandom uses. */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
