// Notes box that saves while the interviewer types (Streamlit components v2, no build step).
//
// Python mounts it with data = {doc, generation, text, version, label, placeholder, storage_key, debounce_ms,
// acked_seq, limit}. The box sends {doc, text, seq, base} with setStateValue("draft", ...) about debounce_ms after
// the last keystroke, and at once when the tab is hidden or closed. Every keystroke is also kept in localStorage
// (with the version it was typed on), so a crash or a lost connection between two sends loses nothing: on return
// the box restores that draft when the stored notes are still the version it was typed on, and sends it.
// The function is called again whenever Python sends new data: it must be idempotent.

function readDraft(key) {
  try {
    const raw = window.localStorage.getItem(key);
    return raw ? JSON.parse(raw) : null;
  } catch (e) {
    return null;
  }
}

function writeDraft(key, draft) {
  try {
    window.localStorage.setItem(key, JSON.stringify(draft));
  } catch (e) {
    /* storage full or disabled: the debounced send still saves */
  }
}

function build(parentElement) {
  const root = document.createElement("div");
  root.className = "vis-autosave";
  const label = document.createElement("label");
  const box = document.createElement("textarea");
  box.id = "vis-autosave-" + Math.random().toString(36).slice(2);
  box.setAttribute("data-testid", "visNotes");
  box.spellcheck = true;
  label.htmlFor = box.id;
  const status = document.createElement("div");
  status.className = "vis-autosave-status";
  status.setAttribute("data-testid", "visNotesStatus");
  status.setAttribute("aria-live", "polite");
  root.append(label, box, status);
  parentElement.appendChild(root);
  return { root, label, box, status, seq: 0, sentText: null, sent: {}, timer: null, firstPending: 0, doc: null,
           generation: null };
}

function showStatus(s) {
  const pending = s.box.value !== s.ackedText;
  const chars = s.box.value.length.toLocaleString();
  if (s.limit && s.box.value.length > s.limit) {
    s.status.textContent = `${chars} characters: over the ${s.limit.toLocaleString()} limit, not saved. Shorten the notes.`;
    s.status.className = "vis-autosave-status vis-warn";
  } else if (pending) {
    s.status.textContent = `Typing… saves about a second after you pause. The matches below are for the earlier text.`;
    s.status.className = "vis-autosave-status vis-pending";
  } else {
    s.status.textContent = `Saved · ${chars} characters. The matches below are for this text.`;
    s.status.className = "vis-autosave-status vis-saved";
  }
}

function send(s) {
  clearTimeout(s.timer);
  s.timer = null;
  s.firstPending = 0;
  if (s.box.value === s.sentText) return;
  s.seq = Math.max(s.seq, s.ackedSeq || 0) + 1;
  s.sentText = s.box.value;
  s.sent[s.seq] = s.box.value;
  delete s.sent[s.seq - 5];
  s.setStateValue("draft", { doc: s.doc, text: s.box.value, seq: s.seq, base: s.version });
}

function schedule(s) {
  // Debounced, with a ceiling: a long unbroken burst of typing is still sent every maxWait ms.
  const now = Date.now();
  if (!s.firstPending) s.firstPending = now;
  clearTimeout(s.timer);
  const wait = Math.min(s.debounce, Math.max(0, s.firstPending + s.maxWait - now));
  s.timer = setTimeout(() => send(s), wait);
}

function load(s, data) {
  s.doc = data.doc;
  s.generation = data.generation;
  s.version = data.version;
  s.sentText = data.text;
  s.ackedText = data.text;
  s.seq = Math.max(s.seq, data.acked_seq || 0);
  s.ackedSeq = data.acked_seq || 0;
  s.box.value = data.text;
  const draft = readDraft(data.storage_key);
  if (draft && draft.doc === data.doc && draft.version === data.version && draft.text !== data.text) {
    s.box.value = draft.text; // typed here, never reached the server: restore it and save it now
    send(s);
  }
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let s = parentElement.__visAutosave;
  if (!s) {
    s = build(parentElement);
    parentElement.__visAutosave = s;
    s.box.addEventListener("input", () => {
      writeDraft(s.storageKey, { doc: s.doc, text: s.box.value, version: s.version, at: Date.now() });
      schedule(s);
      showStatus(s);
    });
    const flush = () => { if (s.timer) send(s); };
    s.box.addEventListener("blur", flush);
    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(); });
  }
  s.setStateValue = setStateValue;
  s.storageKey = data.storage_key;
  s.debounce = data.debounce_ms || 1000;
  s.maxWait = data.max_wait_ms || 1500;
  s.limit = data.limit || 0;
  s.label.textContent = data.label || "Notes";
  s.box.placeholder = data.placeholder || "";
  s.box.rows = data.rows || 10;
  if (s.doc !== data.doc || s.generation !== data.generation) {
    load(s, data);
  } else {
    s.version = data.version; // Python saved: later keystrokes are typed on this version
    if (data.acked_seq && s.sent[data.acked_seq] !== undefined) {
      s.ackedSeq = data.acked_seq;
      s.ackedText = s.sent[data.acked_seq];
    }
  }
  showStatus(s);
}
