"""The console at /console/ in headless Chromium (Debian's chromium and chromium-driver, driven by Selenium):
log in, the WebSocket test client, a test event from the form, rules and targets, the dead letter of a failing
webhook redriven once it recovers, a refused token, screenshots at 1280 and 390 px, and no console errors."""

import json
import os
import pathlib
import shutil

import pytest

from support import ADMIN_TOKEN, wait_until

selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WAIT = 15
ROOT = pathlib.Path(__file__).resolve().parents[2]
# Screenshots go to the test run's output folder (never committed): $PUSHBRIDGE_TEST_OUTPUT, else .build/test-output.
OUTPUT = pathlib.Path(os.environ.get("PUSHBRIDGE_TEST_OUTPUT") or ROOT / ".build" / "test-output") / "console"


@pytest.fixture
def browser(_processes):
    """Headless Chromium; set up after (so closed before) the servers a test starts, which must outlive its requests."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.skip("SKIPPED: Debian's chromium and chromium-driver are not installed (Scripts/test-integration installs them)")
    os.environ["SE_OFFLINE"] = "true"  # Selenium must not fetch a browser or a driver: Debian's are used.
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--no-first-run", "--disable-extensions", "--disable-background-networking", "--disable-sync"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    driver.expected_console_errors = []
    try:
        yield driver
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        unexpected = [e for e in errors if not any(fragment in e["message"] for fragment in driver.expected_console_errors)]
        assert unexpected == [], f"console errors: {unexpected}"
    finally:
        driver.quit()


@pytest.fixture
def console_server(start_pushbridge):
    return start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN)


def find(driver, element_id):
    return driver.find_element(By.ID, element_id)


def wait_for(driver, predicate, message):
    return wait_until(lambda: predicate(driver), WAIT, interval=0.1, message=message)


def visible(driver, element_id):
    return find(driver, element_id).is_displayed()


def text_of(driver, element_id):
    return find(driver, element_id).text


def set_value(driver, element_id, value):
    element = find(driver, element_id)
    element.clear()
    element.send_keys(value)


def log_in(driver, server, token=ADMIN_TOKEN):
    driver.get(f"{server.url}/console/")
    wait_for(driver, lambda d: visible(d, "token"), "the login form")
    set_value(driver, "token", token)
    find(driver, "token").send_keys(Keys.ENTER)


def logged_in(driver, server):
    log_in(driver, server)
    wait_for(driver, lambda d: visible(d, "app"), "the console after login")


def open_tab(driver, name):
    find(driver, f"tab-{name}").click()
    wait_for(driver, lambda d: visible(d, f"panel-{name}"), f"the {name} panel")


def screenshot(driver, name):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    width = driver.execute_script("return window.innerWidth")
    path = OUTPUT / f"{name}-{width}.png"
    driver.save_screenshot(str(path))
    return path


def frames_received(driver):
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#ws-log li.in .body")]


def click_in_row(driver, table_id, row_text, label):
    """Clicks a row's button; tables are redrawn when they refresh, so a stale row is looked up again."""

    def attempt(d):
        try:
            for row in d.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr"):
                if row_text in row.text:
                    row.find_element(By.XPATH, f".//button[text()='{label}']").click()
                    return True
        except StaleElementReferenceException:
            return False
        return False

    wait_for(driver, attempt, f"the {label} button of {row_text} in {table_id}")


def confirm(driver):
    wait_for(driver, lambda d: find(d, "confirm").get_attribute("open") is not None, "the confirmation dialog")
    find(driver, "confirm-ok").click()
    wait_for(driver, lambda d: find(d, "confirm").get_attribute("open") is None, "the dialog to close")


# --- Scenarios ------------------------------------------------------------------------------------------------


def test_a_wrong_token_is_refused_and_the_right_one_is_kept_in_the_session_only(browser, console_server):
    browser.expected_console_errors = ["/admin/info - Failed to load resource: the server responded with a status of 401"]
    log_in(browser, console_server, token="not-the-token")
    wait_for(browser, lambda d: "Wrong admin token" in text_of(d, "login-error"), "the refusal")
    assert not visible(browser, "app")
    assert browser.execute_script("return sessionStorage.length") == 0
    screenshot(browser, "login-refused")

    set_value(browser, "token", ADMIN_TOKEN)
    find(browser, "login-button").click()
    wait_for(browser, lambda d: visible(d, "app"), "the console")
    assert ADMIN_TOKEN not in browser.current_url
    assert browser.execute_script("return localStorage.length") == 0
    assert browser.execute_script("return sessionStorage.getItem('pushbridge.adminToken')") == ADMIN_TOKEN
    assert "stage dev" in text_of(browser, "server-line")
    # A reload keeps the session; logging out forgets the token.
    browser.refresh()
    wait_for(browser, lambda d: visible(d, "app"), "the console after a reload")
    find(browser, "logout").click()
    wait_for(browser, lambda d: visible(d, "login"), "the login form after logging out")
    assert browser.execute_script("return sessionStorage.length") == 0


def test_the_test_client_receives_an_event_sent_from_the_form(browser, console_server):
    logged_in(browser, console_server)
    assert find(browser, "ws-url").get_attribute("value") == f"ws://127.0.0.1:{console_server.port}/dev"
    find(browser, "ws-connect").click()
    wait_for(browser, lambda d: text_of(d, "ws-status") == "Connected", "the socket to open")
    set_value(browser, "ws-entity", "console-e2e")
    find(browser, "ws-subscribe").click()
    find(browser, "ws-whoami").click()
    wait_for(browser, lambda d: any('"Forbidden"' in f for f in frames_received(d)), "the whoami answer")
    connection_id = json.loads(frames_received(browser)[-1])["connectionId"]
    subscribers = console_server.admin("GET", "/admin/subscriptions?entity=console-e2e")
    assert subscribers["connections"] == [connection_id]
    screenshot(browser, "client")

    open_tab(browser, "send")
    set_value(browser, "event-detail", '{"entityId": "console-e2e", "message": ')
    wait_for(browser, lambda d: "not valid JSON" in text_of(d, "event-detail-check"), "the JSON check")
    find(browser, "event-send").click()
    assert not visible(browser, "event-result-card"), "an invalid detail must not be sent"
    set_value(browser, "event-detail", '{"entityId": "console-e2e", "message": "from the form"}')
    wait_for(browser, lambda d: text_of(d, "event-detail-check") == "Valid JSON object.", "the JSON check to pass")
    find(browser, "event-send").click()
    wait_for(browser, lambda d: "queued for 1 target." in text_of(d, "event-result-summary"), "where the event went")
    rows = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#event-result tbody tr")]
    assert len(rows) == 1 and "EntityUpdated" in rows[0] and "subscribers/*" in rows[0]
    wait_for(browser, lambda d: "delivered" in text_of(d, "event-result"), "the delivery")
    screenshot(browser, "send-event")

    open_tab(browser, "client")
    expected = {"type": "Entity Updated", "entityId": "console-e2e", "message": "from the form"}
    wait_for(browser, lambda d: any(json.loads(f) == expected for f in frames_received(d) if f.startswith("{")), "the pushed frame")
    times = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#ws-log li .time")]
    assert all(len(t) == 12 and t[2] == ":" for t in times), times
    browser.set_window_size(1280, 1250)
    screenshot(browser, "client-frames")
    browser.set_window_size(1280, 900)

    open_tab(browser, "metrics")
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#chart-connections .value").text == "1", "the connections figure")
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#chart-subscriptions .value").text == "1", "the subscriptions figure")
    screenshot(browser, "metrics")
    open_tab(browser, "client")
    find(browser, "ws-disconnect").click()
    wait_for(browser, lambda d: text_of(d, "ws-status").startswith("Closed 1000"), "the socket to close")


def test_a_failing_webhook_is_dead_lettered_and_redriven_once_it_recovers(browser, console_server, receivers):
    receiver = receivers("scripted", statuses=[404], then=200)
    logged_in(browser, console_server)
    open_tab(browser, "rules")
    wait_for(browser, lambda d: "EntityUpdated" in text_of(d, "rules-table"), "the default rule")

    set_value(browser, "rule-name", "ConsoleHook")
    set_value(browser, "rule-pattern", '{"source": ["console.hook"]}')
    find(browser, "rule-save").click()
    wait_for(browser, lambda d: "ConsoleHook" in text_of(d, "rules-table") and visible(d, "targets-card"), "the new rule")
    set_value(browser, "target-id", "hook")
    set_value(browser, "target-arn", receiver.url)
    set_value(browser, "target-retries", "0")
    find(browser, "target-save").click()
    wait_for(browser, lambda d: "Saved target hook" in text_of(d, "target-message"), "the target")
    wait_for(browser, lambda d: receiver.url in text_of(d, "targets-table"), "the target in the list")

    # The playground says why an event does not match, field by field.
    find(browser, "rule-to-playground").click()
    find(browser, "playground-test").click()
    wait_for(browser, lambda d: "does not match" in text_of(d, "playground-verdict"), "the verdict")
    fields = browser.find_elements(By.CSS_SELECTOR, "#playground-fields li")
    assert len(fields) == 1 and "bad" in fields[0].get_attribute("class") and '"console"' in fields[0].text
    screenshot(browser, "rules")

    open_tab(browser, "send")
    set_value(browser, "event-source", "console.hook")
    set_value(browser, "event-detail-type", "Order Shipped")
    set_value(browser, "event-detail", '{"orderId": "o-7"}')
    find(browser, "event-send").click()
    wait_for(browser, lambda d: "ConsoleHook" in text_of(d, "event-result"), "the matched rule")
    receiver.wait_for(1, WAIT)
    wait_for(browser, lambda d: "dead-lettered: NO_RESOURCE" in text_of(d, "event-result"), "the failed delivery")

    open_tab(browser, "queues")
    wait_for(browser, lambda d: "NO_RESOURCE" in text_of(d, "dlq-table"), "the dead letter")
    screenshot(browser, "queues")
    click_in_row(browser, "dlq-table", "NO_RESOURCE", "Show")
    wait_for(browser, lambda d: '"orderId": "o-7"' in text_of(d, "dlq-detail"), "the dead letter's event")
    detail = json.loads(text_of(browser, "dlq-detail"))
    assert detail["attempts"][0]["errorCode"] == "NO_RESOURCE" and "404" in detail["attempts"][0]["errorMessage"]
    click_in_row(browser, "dlq-table", "NO_RESOURCE", "Redrive")
    confirm(browser)
    wait_for(browser, lambda d: "Redriven 1 of 1" in text_of(d, "dlq-message"), "the redrive")
    requests = receiver.wait_for(2, WAIT)
    assert [r.status for r in requests] == [404, 200]
    assert json.loads(requests[1].body)["detail"] == {"orderId": "o-7"}
    wait_for(browser, lambda d: "The DLQ is empty" in text_of(d, "dlq-table"), "an empty DLQ")
    assert console_server.admin("GET", "/admin/dlq")["total"] == 0


def test_purge_asks_first_and_cancel_keeps_the_dead_letters(browser, console_server, receivers):
    receiver = receivers("scripted", then=404)
    console_server.route("Failing", "console.purge", [{"Id": "hook", "Arn": receiver.url}])
    console_server.put_event("console.purge", "x", {"n": 1})
    wait_until(lambda: console_server.admin("GET", "/admin/dlq")["total"] == 1, WAIT, message="a dead letter")
    logged_in(browser, console_server)
    open_tab(browser, "queues")
    wait_for(browser, lambda d: "NO_RESOURCE" in text_of(d, "dlq-table"), "the dead letter")
    find(browser, "dlq-purge-all").click()
    wait_for(browser, lambda d: find(d, "confirm").get_attribute("open") is not None, "the confirmation")
    find(browser, "confirm-text").text.index("cannot be undone")
    find(browser, "confirm-cancel").send_keys(Keys.ENTER)
    assert console_server.admin("GET", "/admin/dlq")["total"] == 1
    find(browser, "dlq-purge-all").click()
    confirm(browser)
    wait_for(browser, lambda d: "Purged 1" in text_of(d, "dlq-message"), "the purge")
    assert console_server.admin("GET", "/admin/dlq")["total"] == 0


def test_the_console_is_keyboard_usable_and_fits_a_phone(browser, console_server):
    logged_in(browser, console_server)
    # From the selected tab, Tab reaches the socket's fields and its Connect button; Enter connects.
    find(browser, "tab-client").click()
    focused = []
    for _ in range(3):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        focused.append(browser.switch_to.active_element.get_attribute("id"))
    assert focused == ["ws-url", "ws-jwt", "ws-connect"], focused
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(browser, lambda d: text_of(d, "ws-status") == "Connected", "the socket opened from the keyboard")
    find(browser, "ws-entity").send_keys(Keys.ENTER)
    wait_for(browser, lambda d: console_server.admin("GET", "/admin/subscriptions?entity=myEntityId")["count"] == 1, "a subscribe by Enter")
    # Arrow keys move between tabs; the selected tab is the only one in the tab order.
    find(browser, "tab-client").send_keys(Keys.ARROW_RIGHT)
    wait_for(browser, lambda d: visible(d, "panel-send"), "the next tab")
    assert browser.switch_to.active_element.get_attribute("id") == "tab-send"
    browser.switch_to.active_element.send_keys(Keys.END)
    assert browser.switch_to.active_element.get_attribute("id") == "tab-metrics"
    assert [t.get_attribute("tabindex") for t in browser.find_elements(By.CSS_SELECTOR, '[role="tab"]')] == ["-1"] * 4 + ["0"]
    # Every field has a label a screen reader announces, every button a name.
    unlabelled = browser.execute_script(
        "return Array.from(document.querySelectorAll('input, select, textarea'))"
        ".filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.id)"
    )
    assert unlabelled == [], unlabelled
    assert browser.execute_script("return Array.from(document.querySelectorAll('button')).filter(b => !b.textContent.trim()).length") == 0
    for width in (1280, 390):
        browser.set_window_size(width, 900)
        wait_for(browser, lambda d: abs(d.execute_script("return window.innerWidth") - width) <= 20, f"a {width} px window")
        for name in ("client", "send", "rules", "queues", "metrics"):
            open_tab(browser, name)
            overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} at {width} px is {overflow} px too wide"
            screenshot(browser, f"page-{name}")
    browser.set_window_size(390, 900)
    find(browser, "logout").click()
    wait_for(browser, lambda d: visible(d, "login"), "the login form")
    screenshot(browser, "page-login")
    browser.set_window_size(1280, 900)
    wait_for(browser, lambda d: d.execute_script("return window.innerWidth") >= 1260, "a 1280 px window")
    screenshot(browser, "page-login")


def test_rules_are_edited_disabled_enabled_and_deleted(browser, console_server):
    console_server.events.put_rule(Name="Editable", EventPattern=json.dumps({"source": ["before"]}))
    for n in range(120):  # more than one page of ListRules
        console_server.events.put_rule(Name=f"Bulk{n:03}", EventPattern=json.dumps({"source": [f"bulk{n}"]}))
    logged_in(browser, console_server)
    open_tab(browser, "rules")
    wait_for(browser, lambda d: "Editable" in text_of(d, "rules-table"), "the rule")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#rules-table tbody tr")) == 122

    def row_text(name):
        try:
            return next((r.text for r in browser.find_elements(By.CSS_SELECTOR, "#rules-table tbody tr") if name in r.text), "")
        except StaleElementReferenceException:
            return ""

    browser.expected_console_errors = ["/admin/events-api/PutRule - Failed to load resource: the server responded with a status of 400"]
    click_in_row(browser, "rules-table", "Editable", "Edit")
    assert find(browser, "rule-name").get_attribute("value") == "Editable"
    assert json.loads(find(browser, "rule-pattern").get_attribute("value")) == {"source": ["before"]}
    set_value(browser, "rule-pattern", '{"source": ["after"]')
    find(browser, "rule-save").click()
    wait_for(browser, lambda d: "not valid JSON" in text_of(d, "rule-message"), "the JSON error")
    set_value(browser, "rule-pattern", '{"source": "after"}')
    find(browser, "rule-save").click()
    wait_for(browser, lambda d: "InvalidEventPatternException" in text_of(d, "rule-message"), "the server's refusal")
    set_value(browser, "rule-pattern", '{"source": ["after"]}')
    find(browser, "rule-save").click()
    wait_for(browser, lambda d: "Saved Editable" in text_of(d, "rule-message"), "the save")
    assert json.loads(console_server.events.describe_rule(Name="Editable")["EventPattern"]) == {"source": ["after"]}

    # A schedule: shown in the table, kept by an edit, and a rule may have one without a pattern.
    set_value(browser, "rule-schedule", "rate(5 minutes)")
    find(browser, "rule-save").click()
    wait_for(browser, lambda d: "rate(5 minutes)" in row_text("Editable"), "the schedule in the table")
    click_in_row(browser, "rules-table", "Editable", "Edit")
    assert find(browser, "rule-schedule").get_attribute("value") == "rate(5 minutes)"
    set_value(browser, "rule-pattern", "")
    find(browser, "rule-save").click()
    wait_for(browser, lambda d: "EventPattern" not in console_server.events.describe_rule(Name="Editable"), "the pattern removed")
    assert console_server.events.describe_rule(Name="Editable")["ScheduleExpression"] == "rate(5 minutes)"
    set_value(browser, "rule-pattern", '{"source": ["after"]}')
    set_value(browser, "rule-schedule", "")
    find(browser, "rule-save").click()
    wait_for(browser, lambda d: "ScheduleExpression" not in console_server.events.describe_rule(Name="Editable"), "the schedule removed")

    click_in_row(browser, "rules-table", "Editable", "Disable")
    wait_for(browser, lambda d: "Disabled" in row_text("Editable"), "the rule disabled")
    assert console_server.events.describe_rule(Name="Editable")["State"] == "DISABLED"
    click_in_row(browser, "rules-table", "Editable", "Enable")
    wait_for(browser, lambda d: "Enabled" in row_text("Editable"), "the rule enabled")

    # A matching pattern shows every field in green.
    set_value(browser, "playground-pattern", '{"source": ["console"], "detail": {"status": [{"prefix": "ship"}], "orderId": [{"exists": true}]}}')
    find(browser, "playground-test").click()
    wait_for(browser, lambda d: "The event matches" in text_of(d, "playground-verdict"), "the verdict")
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#playground-fields li.good")) == 3, "three matching fields")

    click_in_row(browser, "rules-table", "Editable", "Delete")
    confirm(browser)
    wait_for(browser, lambda d: "Deleted Editable" in text_of(d, "rule-message"), "the deletion")
    assert "Editable" not in [r["Name"] for r in console_server.events.list_rules()["Rules"]]


def test_a_waiting_retry_is_brought_forward_then_cancelled(browser, console_server, receivers):
    receiver = receivers("scripted", then=503)
    console_server.route("Flaky", "console.retry", [{
        "Id": "flaky", "Arn": receiver.url, "RetryPolicy": {"MaximumRetryAttempts": 100, "MaximumEventAgeInSeconds": 3600},
    }])
    console_server.put_event("console.retry", "x", {"n": 1})
    receiver.wait_for(1, WAIT)
    logged_in(browser, console_server)
    open_tab(browser, "queues")
    wait_for(browser, lambda d: "ERROR_FROM_TARGET" in text_of(d, "retries-table"), "the waiting retry")
    assert "default/Flaky/flaky" in text_of(browser, "queues-table")
    before = len(receiver.received())
    # A retry with little backoff left may come due by itself between the list and the click (then the answer is
    # NotFound); each action is tried again, a bounded number of times, until it lands on a waiting message.
    retry_action(browser, "Retry now", "due now")
    receiver.wait_for(before + 1, WAIT)
    retry_action(browser, "Cancel", "dead-lettered", confirmed=True)
    wait_for(browser, lambda d: "default/Flaky/flaky" in text_of(d, "dlq-table"), "the dead letter")
    assert console_server.admin("GET", "/admin/retries")["total"] == 0


def retry_action(browser, label, success, confirmed=False):
    for _ in range(5):
        click_in_row(browser, "retries-table", "default/Flaky/flaky", label)
        if confirmed:
            confirm(browser)
        message = wait_for(browser, lambda d: (lambda t: t if success in t or "NotFound" in t else None)(text_of(d, "dlq-message")), label)
        if success in message:
            return
        browser.expected_console_errors.append("/admin/retries/")
    raise AssertionError(f"{label} never found the message waiting")


def test_the_test_client_connects_with_a_jwt_when_connect_needs_one(browser, start_pushbridge):
    import time

    import jwt

    secret = "console tests' HMAC secret, comfortably over 32 bytes"
    server = start_pushbridge("--in-memory", "--admin-token", ADMIN_TOKEN, "--jwt-secret", secret)
    browser.expected_console_errors = [f"WebSocket connection to 'ws://127.0.0.1:{server.port}/dev' failed"]
    logged_in(browser, server)
    assert "required" in text_of(browser, "ws-jwt-hint")
    find(browser, "ws-connect").click()
    wait_for(browser, lambda d: "refused at $connect" in text_of(d, "ws-log"), "the refusal without a token")
    token = jwt.encode({"sub": "console-user", "entities": ["*"], "exp": int(time.time()) + 600}, secret, algorithm="HS256")
    set_value(browser, "ws-jwt", token)
    find(browser, "ws-connect").click()
    wait_for(browser, lambda d: text_of(d, "ws-status") == "Connected", "the socket to open with the token")
    [connection] = server.admin("GET", "/admin/connections")["connections"]
    assert connection["userId"] == "console-user"
    assert token not in browser.current_url
