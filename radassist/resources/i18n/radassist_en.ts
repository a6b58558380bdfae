<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en">
<context>
    <name>AboutDialog</name>
    <message>
        <source>RadAssist shows chest radiographs and, where a model is installed, suggests findings with heatmaps for a clinician to accept or correct. It is decision support: every output is reviewed by a qualified reader, and it is not a substitute for a radiologist&apos;s report.</source>
        <extracomment>a provider returns (title, plain text); it is called each time the box opens</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Desktop chest X-ray viewer and assistant.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Intended use.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Software.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Python {python}, Qt for Python (PySide6) {pyside}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings: {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log: {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About {app}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Version, intended use, where files are written and the installed models</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AddendumDialog</name>
    <message>
        <source>Add addendum</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why the signed-off review changes (required)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finding to amend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason for the addendum</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This review is signed off. An addendum is recorded beside it; nothing is erased.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finding:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New value:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>now: {value}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Assistant</name>
    <message>
        <source>AI Findings</source>
        <extracomment>how often pending audit records are retried how long the UI thread waits for one audit store call before letting it finish in the background the worklist path of the image under review, and each path&apos;s review in this session (its state)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Review</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit records that could not be written yet; they are kept and retried.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Audit Trail…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse and verify the audit trail (the opening is recorded)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Model Card…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the model is, how it was trained and validated, and its limits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opening the selected image…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file could not be read.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;This image could not be opened&lt;/b&gt;: {reason} Nothing to review.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for the AI findings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model {ref} loaded on {device} ({runtime}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model loaded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No AI findings to review for this image; you may still sign off your reading.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AI analysis in {ms} ms.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No AI findings: nothing to accept or correct.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not write to the audit trail: {reason} Your decision is kept and will be retried.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ {count} audit record(s) {unsaved} — retrying</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {count} audit record(s) that were waiting.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reviewing as {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open the audit trail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No model is available: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AuditViewer</name>
    <message>
        <source>All events</source>
        <extracomment>records fetched per page (newest first); &quot;Older records&quot; fetches the next page the event-type filter&apos;s first entry (the others are event type names, which are data, not translated)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Event</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workstation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Image (SHA-256)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(AI {value})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>signed off:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit trail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter from a date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;To (inclusive)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter up to a date (inclusive)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To date (inclusive)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used when its check box is ticked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>any user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>any image (pixel SHA-256)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Image filter (pixel SHA-256)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>T&amp;his image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show only the records of the image on screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Event type filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Apply filters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Verify chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check that no record was changed, removed or inserted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Older records</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load the next {n} older records</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>E&amp;xport…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write the records matching the filters to a CSV or JSON Lines file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit records</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Newest first; one row per audit record</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit trail status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Event</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;User</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read the audit trail: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{time} (UTC)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} record(s), newest first — more are older: “Older records” loads them. Store: {store}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} record(s), newest first. Store: {store}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot verify: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Chain intact:&lt;/b&gt; {n} record(s) verified.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Chain broken&lt;/b&gt; at record {sequence}: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export audit trail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV (*.csv);;JSON Lines (*.jsonl)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export failed: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exported {n} record(s) to {path}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FindingsPanel</name>
    <message>
        <source>This image looks inverted (a negative). Check the grey levels: the findings may not be reliable on an inverted image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(lung outline unreliable: not a measurement)</source>
        <extracomment>the analysis&apos;s own notes (low heatmap share inside the lungs, no salient region, no gate, ...) label -&gt; the notes that change how to read that finding (core&apos;s ``Analysis.caveats``)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Probability</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AI call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In lungs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AI findings status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AI analysis in progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AI findings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Per finding: probability, operating threshold, the AI call and the share of the heatmap inside the lungs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Share of the heatmap that lies inside the lungs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caveats for these findings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model and device</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes on this analysis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a chest X-ray to see the AI&apos;s findings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Loading model…&lt;/b&gt; (once per session)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analysing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An unexpected problem stopped the analysis; the log file has the details.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;No AI findings.&lt;/b&gt; {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model {model} · device {device}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the image does not look like a frontal chest X-ray</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Not analysed — no probability is given.&lt;/b&gt; {reason}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;AI findings&lt;/b&gt; — decision support, to be confirmed by the reader.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lung area: {area}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ Read this call with care: {caveat}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ Read these calls with care: {caveat}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ Read the {finding} call with care: {caveat}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Positive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Negative</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImageView</name>
    <message>
        <source>Open a chest X-ray: File ▸ Open (Ctrl+O), or drop a file or folder here.</source>
        <extracomment>images larger than this are previewed at half resolution while window/level is dragged the window in use (``None`` = the file&apos;s default VOI LUT / window) zoom, pan, rotation or flip changed (x, y, value) of the image pixel under the cursor, or None outside the image</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>X-ray image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The image on screen. Keys: F fit, 1 actual pixels, + and - zoom, R and Shift+R rotate, H and V flip, I invert, Esc resets the window/level, Ctrl+1 to Ctrl+9 window presets, Page Up and Page Down the previous and next image, F1 all shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Images (*.dcm *.dicom *.DCM *.png *.jpg *.jpeg *.PNG *.JPG *.JPEG);;All files (*)</source>
        <extracomment>the size before the first show; a window still this size on its first start opens maximised</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open image files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a folder as a worklist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Export View as PNG…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the image as shown, with visible overlays</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit RadAssist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Fit to Window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fit the image to the window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;1:1 (Actual Pixels)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One image pixel per screen pixel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Rotate 90° Clockwise</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rotate for display</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rotate 90° C&amp;ounterclockwise</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Flip &amp;Horizontal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mirror left-right for display</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Flip &amp;Vertical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mirror top-bottom for display</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset Orientation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo rotations and flips</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Invert</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invert grey levels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reset Window/Level</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to the file&apos;s window (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit Named Presets…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name, centre and width of the lung, mediastinum, bone … presets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Corner &amp;Annotations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show patient, study and display information in the corners</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DICOM &amp;Tags…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse and search the DICOM header</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Previous Image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Previous image in the worklist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Next Image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next image in the worklist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mouse and keyboard reference (F1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About {app}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Version and intended use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <extracomment>the first paint of a JPEG 2000 decodes every 4th pixel (two resolution levels fewer) the full-resolution XRayImage, once per opened file (path, exception) when opening failed: the view is empty (a file opened alone also gets a dialog) a file starts opening (path): from now on what is on screen is not the selected item a folder/file-set scan finished: ScanResult</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window &amp;Presets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Review</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1:1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rotate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Flip H</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Flip V</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invert</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>W/L presets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window/level presets (right-drag on the image: horizontal width, vertical level)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window/level presets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset W/L</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tags</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>◀ Previous</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next ▶</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opening or listing files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ready. Open an image (Ctrl+O) or a folder (Ctrl+Shift+O), or drop one here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worklist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open folder as worklist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scanning {title}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scanning {title}… {count} images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} images in {title}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> ({count} other files skipped)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — stopped listing: too many files; open a smaller folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Listed {count} images in {seconds} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scanning failed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot list the folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opening {file}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{file}: preview in {ms} ms, decoding full resolution…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opened {file} ({w} × {h}) in {ms} ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{file} could not be opened — {app}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not open {file}: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open {file}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open the image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File not found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{path} no longer exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It may have been moved, renamed or be on a drive that is not connected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No more images in this direction.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a folder to step through its images.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window/level reset to the file&apos;s default.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default (from the file)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file&apos;s first window or VOI LUT (Esc)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label}: W {width} / L {level}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File window {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A window the file gives</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VOI LUT {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A VOI LUT the file gives</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name}: this image&apos;s {lo}–{hi} % brightness range (View ▸ Window Presets ▸ Edit Named Presets)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Full range</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Darkest to brightest pixel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Higher contrast (½ width)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The default window, half as wide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lower contrast (2× width)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The default window, twice as wide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window presets changed for this session; they could not be saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window presets saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom {percent}%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>x {x}  y {y}  value {value}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open an image first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read the DICOM header</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export view as PNG</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot export the image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window preset: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window/level presets: the file&apos;s own windows, then {names}, then full range</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+1 … Ctrl+9 (listed here once an image is open)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom around the cursor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mouse wheel, or middle-drag up/down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Left-drag</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window (width) / level</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Right-drag: horizontal / vertical</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fit to window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Double-click</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move between the image, the worklist and the panels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tab, Shift+Tab</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyboard and mouse</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ModelCard</name>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Findings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Intended use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Limitations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Thresholds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Validation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Base weights</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Training command</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Licenses</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ModelCardDialog</name>
    <message>
        <source>Model card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Find in the model card</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter finds the next match, Shift+Enter the previous one</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not found</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OverlayControls</name>
    <message>
        <source>Regions that most influenced the model — not a lesion outline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contour</source>
        <extracomment>a pressed toggle must look pressed on the dark theme (Fusion&apos;s sunken look alone is faint there) the lung layer&apos;s styles (item data of the style box; the shown names are translated)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fill</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show &amp;Heatmap</source>
        <extracomment>overlay layers are built at most this many pixels on the long side; the view scales them onto the image (a heatmap is a smooth upsampled 7x7 map, an outline is a few pixels wide), which keeps a 2000x2000 radiograph&apos;s overlays to a few milliseconds label of a heatmap that became visible for the current image a PNG was written with the overlays as shown</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the regions that most influenced the model (Ctrl+H)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show &amp;Lungs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the lung segmentation (Ctrl+L)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show Heatmap for a &amp;Negative Call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Draw the heatmap even though the AI call is negative (this image only)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save Image with &amp;Overlays…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the image as shown, with the visible overlays, as a PNG</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heatmap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show anyway</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the heatmap anyway</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which finding&apos;s heatmap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heatmap finding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Colormap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heatmap colormap</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heatmap opacity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heatmap legend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Colour scale: left = little influence, right = most influence</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heatmap colour scale</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lung outline legend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lungs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lung overlay style</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lung overlay opacity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overlay notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opacity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heatmap: on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heatmap: off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lungs: on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lungs: off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No heatmap for this image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heatmap off (Ctrl+H). {legend}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{hidden} Use “Show anyway” to draw it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Showing the {finding} heatmap ({cmap}: dark = little influence, bright = most). {legend}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No lung outline for this image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drawn dashed in amber.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lung outline shown in cyan (the lung model&apos;s segmentation).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lung outline off (Ctrl+L).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save image with overlays</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot save the image</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PresetsDialog</name>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Centre (%)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Width (%)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window presets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Each preset is a window on the image&apos;s own histogram, from its darkest (0 %) to its brightest (100 %) pixels as shown: Lung 30 / 50 spans the 5th to the 55th percentile. CR and DX pixel values have no fixed unit, so this fits every plate and exposure.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Each row: name, centre and width in percent; F2 edits a cell</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore &amp;Defaults</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a preset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the selected preset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Restore the default presets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New preset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not saved: {reason}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReviewPanel</name>
    <message>
        <source>not yet saved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} {value} (accepted the AI&apos;s call)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} {value} (corrected; AI said {ai})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>signed off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ADDENDUM: {label} {value}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (was {was})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — reason: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — note: {note}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>  [superseded]</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed off by {signer} at {time}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign off this review of {file}?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(agrees with the AI)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(AI said {ai})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No AI findings: your reading only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Sign off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finding</source>
        <extracomment>an audit write failed (AuditWriteError): the assistant shows the pending indicator and retries something was recorded (or attempted): the assistant refreshes its indicator</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AI</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Findings to review</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a finding, then P marks it present and N absent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accept all (A)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Present (P)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Absent (N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accept all findings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accepts the AI&apos;s call for every undecided finding; shortcut A</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mark selected finding present</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shortcut P</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mark selected finding absent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shortcut N</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason (required when you disagree with the AI)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Required when you disagree with the AI; Enter records the decision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note for this study (optional, saved with the sign-off)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note for this study</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign off (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shortcut Ctrl+Enter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add addendum…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change a finding of this signed-off review; a reason is required</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add addendum</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change a finding of this signed-off review; a reason is required; shortcut Ctrl+Shift+D</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History of this image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History of this image:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Accept All Findings</source>
        <extracomment>asks for the OS password when the review requires it; None = cancelled (replaced in tests) asks for an addendum: (label, value, reason), or None when cancelled (replaced in tests) whether a sign-off asks for confirmation (the assistant reads the setting ``confirm_sign_off``) the file on screen, named in the sign-off confirmation (set by the assistant)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mark Selected Finding &amp;Present</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mark Selected Finding &amp;Absent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Sign Off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add Adden&amp;dum…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing to review yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;{signed}&lt;/b&gt; — read-only; a change is an addendum.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reviewer: &lt;b&gt;{name}&lt;/b&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>  — &lt;b&gt;signed off&lt;/b&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>saved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No decisions recorded for this image yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accepted {count} finding(s).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accepted {count} finding(s); {failed} {unsaved} (retrying).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Every finding already has a decision.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} is already marked {value}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{message} Type it in the reason field and press Enter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>agrees with the AI</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>corrects the AI</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label}: {value} ({kind}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label}: {value} recorded but {unsaved} (retrying).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not signed off.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed off by {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed off, but the sign-off is {unsaved} (retrying).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An addendum amends a signed-off review.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open an analysed image first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No addendum recorded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Addendum: {label} {value}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Addendum: {label} {value} recorded but {unsaved} (retrying).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password of {login} (your operating-system login):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This review is signed off: use Add addendum… to change it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReviewerIdentity</name>
    <message>
        <source>The name written to the audit trail with every decision (Tools ▸ Reviewer Name…)</source>
        <extracomment>the reviewer name now in force</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reviewer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reviewer &amp;Name…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set the name recorded with your review decisions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reviewer: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reviewer name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name recorded with your decisions (empty = your login, {login}):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The name is used now but could not be saved for next time.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TagBrowser</name>
    <message>
        <source>Tag</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyword</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>VR</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DICOM tags — {file}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search tag, keyword or value (e.g. PatientID, 0010,0020, CHEST)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search DICOM tags</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filters the elements by tag, keyword or value as you type; Enter moves to the results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DICOM header elements</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{shown} of {total} elements</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Worklist</name>
    <message>
        <source>Not opened in this session: its review state is known once it is opened</source>
        <extracomment>stop listing after this many files so a mistaken click on &quot;/&quot; cannot run forever columns of the review state and the AI call (set with ``Worklist.set_row``)</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AI</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Patient</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Study date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Modality / view</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worklist images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Up and Down select an image and open it; Page Up and Page Down step through the worklist from anywhere in the window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No folder open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter: file, patient, AI call…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worklist filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shows only the images whose file, patient or AI call contains this text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worklist state filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shows only the images in this review state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Review: {state}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>annotations</name>
    <message>
        <source>W: file VOI LUT</source>
        <extracomment>full-resolution extent (width, height) when a reduced first paint is on screen</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>W: {width}  L: {level}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(inverted)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ID: {id}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(preview 1/{factor}, loading…)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rotated {degrees}°</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>flipped H</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>flipped V</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom: {percent}%</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>Some settings were not used</source>
        <extracomment>the translation catalogues: ``radassist_&lt;locale&gt;.qm`` (compiled by ``make translations``); English is built in</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Some image decoders are unavailable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Some compressed DICOM files cannot be opened:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reinstall RadAssist (or run &apos;make run&apos; in the source folder) to restore them. Uncompressed DICOM, PNG and JPEG still open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unexpected problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>RadAssist uses the default for each of these until the setting is fixed.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>dialogs</name>
    <message>
        <source>Something unexpected went wrong. RadAssist is still running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The details were written to the log file {log_file}. Please send it to your support contact if this happens again.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
