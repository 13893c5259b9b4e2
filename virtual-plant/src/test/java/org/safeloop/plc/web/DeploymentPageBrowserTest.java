package org.safeloop.plc.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.virtualplant.PlantView;
import org.safeloop.plc.virtualplant.SensorFault;
import org.safeloop.plc.virtualplant.VirtualPlant;

/**
 * The web views in a real browser: headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}, which {@code .ci/run} installs) driven by Selenium, against a deployment on the
 * virtual plant cycling every 100 ms, on ephemeral ports on 127.0.0.1. Screenshots of each state go
 * to {@code target/screenshots/}.
 */
class DeploymentPageBrowserTest {
  static final String TOKEN = "browser-test-token-0123456789";
  static final Path SHOTS = Path.of("target", "screenshots");
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  static VirtualPlant plant;
  static ChromeDriver browser;

  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    assertTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "the browser tests need Debian's chromium and chromium-driver"
            + " (apt-get install -y chromium chromium-driver; .ci/run installs them)");
    Files.createDirectories(SHOTS);
    plant = LiveDeployment.startPlant(3);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,2200");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (plant != null) {
      plant.close();
    }
  }

  static DeploymentView view() {
    return DeploymentView.start(
        WebOptions.of(new HttpAddress("127.0.0.1", 0), AccessToken.of(TOKEN)));
  }

  static LiveDeployment live(Path dir, DeploymentView view) throws Exception {
    return new LiveDeployment(plant, dir, view, Mode.CLOSED_LOOP, Duration.ofMillis(100));
  }

  static void shot(String name) throws Exception {
    File png = browser.getScreenshotAs(OutputType.FILE);
    Files.copy(png.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Waits for a condition on the live page, which redraws as cycles run: an element replaced
   * between its find and its read is looked up again, not an error.
   */
  static WebDriverWait waitUpTo(double seconds) {
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofMillis((long) (seconds * 1000)));
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  static String attribute(String id, String name) {
    return browser.findElement(By.id(id)).getAttribute(name);
  }

  /** Opens the page with its token, and waits until it shows the deployment in closed loop. */
  static void open(DeploymentView view) {
    browser.get(view.url() + "?token=" + TOKEN);
    waitUpTo(10).until(d -> "closed-loop".equals(attribute("mode", "data-mode")));
  }

  /** Waits until the page lists a demotion whose reason holds {@code text}. */
  static void awaitDemotionShown(String text, double seconds) {
    waitUpTo(seconds)
        .until(
            d ->
                d.findElements(By.cssSelector("#events li[data-kind='DEMOTION'] .reason")).stream()
                    .anyMatch(e -> e.getText().contains(text)));
  }

  static List<String> consoleErrors() {
    return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::toString)
        .toList();
  }

  @Test
  void thePageLoadsWithoutConsoleErrorsAndATrendGainsPointsAsCyclesRun() throws Exception {
    try (DeploymentView view = view();
        LiveDeployment live = live(dir, view)) {
      live.cycles(3);
      consoleErrors(); // forget what earlier pages logged
      open(view);
      shot("deployment-1-loaded");
      int before = Integer.parseInt(attribute("trend-T", "data-points"));
      waitUpTo(5).until(d -> Integer.parseInt(attribute("trend-T", "data-points")) >= before + 5);
      shot("deployment-2-trend-grew");
      assertTrue(Integer.parseInt(attribute("action-Tc", "data-points")) > 0);
      assertEquals("test", browser.findElement(By.id("approver")).getText());
      assertTrue(
          Integer.parseInt(attribute("countdown", "data-seconds")) > 3000,
          "the approval's hour counts down");
      assertTrue(
          browser.findElement(By.id("step-back")).isEnabled(), "step back offered in closed loop");
      assertEquals(List.of(), consoleErrors());
    }
  }

  @Test
  void anInjectedFaultShowsItsDemotionReasonOnThePageWithinTwoSeconds() throws Exception {
    try (DeploymentView view = view();
        LiveDeployment live = live(dir, view)) {
      live.cycles(2);
      open(view);
      long injected = System.nanoTime();
      plant.sensorFault("T", SensorFault.BAD);
      awaitDemotionShown("bad inputs", 2);
      double seconds = (System.nanoTime() - injected) / 1e9;
      System.out.printf("fault to demotion reason on the page: %.2f s%n", seconds);
      waitUpTo(2).until(d -> "advisory".equals(attribute("mode", "data-mode")));
      // Modbus has no quality: a bad transmitter reads NaN, shown as not good, with a count of
      // the cycles it was not good. The page redraws the row every cycle, so it is read in one
      // go, again if a redraw replaced it between the find and the read.
      String row =
          waitUpTo(2)
              .until(
                  d -> {
                    WebElement quality = d.findElement(By.cssSelector("#quality tr[data-key='T']"));
                    String text = quality.getText();
                    String notGood = quality.findElements(By.tagName("td")).get(3).getText();
                    return text.contains("NaN") && Integer.parseInt(notGood) > 0 ? text : null;
                  });
      assertTrue(row.contains("NaN"), row);
      shot("deployment-3-fault-demoted");
      assertTrue(seconds < 2.0);
    }
  }

  @Test
  void theStepBackButtonDemotesAndTheAuditLogRecordsWhoAndWhy() throws Exception {
    try (DeploymentView view = view();
        LiveDeployment live = live(dir, view)) {
      open(view);
      browser.findElement(By.id("step-who")).sendKeys("A. Operator (shift B)");
      browser.findElement(By.id("step-why")).sendKeys("reactor sounds wrong");
      shot("deployment-4-step-back-asked");
      browser.findElement(By.id("step-back")).click();
      waitUpTo(5)
          .until(d -> d.findElement(By.id("step-result")).getText().contains("stepped back"));
      waitUpTo(2).until(d -> "advisory".equals(attribute("mode", "data-mode")));
      assertTrue(!browser.findElement(By.id("step-back")).isEnabled(), "nothing to step back from");
      awaitDemotionShown("A. Operator (shift B)", 2);
      shot("deployment-5-stepped-back");
      assertEquals(Mode.ADVISORY, live.runtime.mode());
      EventRecord demotion = live.lastDemotion();
      assertEquals("A. Operator (shift B)", demotion.details().get("who"));
      assertEquals("reactor sounds wrong", demotion.details().get("why"));
      assertEquals("operator_request", demotion.details().get("cause"));
    }
  }

  @Test
  void aRequestWithoutTheTokenIsRefused() throws Exception {
    try (DeploymentView view = view();
        LiveDeployment live = live(dir, view)) {
      browser.get(view.url().toString());
      browser.manage().deleteAllCookies();
      browser.navigate().refresh();
      String body = browser.findElement(By.tagName("body")).getText();
      assertTrue(body.contains("needs its access token"), body);
      shot("deployment-6-refused-without-token");
      HttpClient http = HttpClient.newHttpClient();
      for (String path : List.of("/", "/api/status", "/events", "/metrics", "/view.js")) {
        URI uri = view.url().resolve(path);
        assertEquals(
            401,
            http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode(),
            path);
        assertEquals(
            401,
            http.send(
                    HttpRequest.newBuilder(uri)
                        .header("Authorization", "Bearer not-the-token-0123456789")
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode(),
            path + " with a wrong token");
      }
      HttpResponse<String> post =
          http.send(
              HttpRequest.newBuilder(view.url().resolve("/api/step-back"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"who\":\"x\",\"why\":\"y\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, post.statusCode());
      live.cycles(3);
      assertEquals(Mode.CLOSED_LOOP, live.runtime.mode(), "a refused step back changes nothing");
    }
  }

  @Test
  void thePlantsOwnViewShowsItsTagsModeAndFaults() throws Exception {
    try (DeploymentView view = view();
        LiveDeployment live = live(dir, view);
        PlantView plantView =
            PlantView.start(plant, WebOptions.of(new HttpAddress("127.0.0.1", 0), null))) {
      live.cycles(2); // a deployment drives the plant while its own view shows it
      consoleErrors();
      browser.get(plantView.url().toString());
      waitUpTo(5).until(d -> "remote".equals(attribute("mode", "data-mode")));
      waitUpTo(5).until(d -> !d.findElement(By.id("tag-T.PV")).getText().equals("-"));
      plant.sensorFault("Ca", SensorFault.FROZEN);
      waitUpTo(3).until(d -> d.findElement(By.id("faults")).getText().contains("Ca: FROZEN"));
      plant.setOperatorMode(false);
      waitUpTo(3).until(d -> "local".equals(attribute("mode", "data-mode")));
      waitUpTo(3).until(d -> Integer.parseInt(attribute("trend-T", "data-points")) > 2);
      shot("plant-1-local-with-fault");
      assertEquals(List.of(), consoleErrors());
    }
  }
}
