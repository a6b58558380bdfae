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
