// Ingest progress: polls the job's JSON endpoint until it is done, then shows the report.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var url = box.getAttribute("data-url");
  var docUrl = box.getAttribute("data-documents-url");
  var statusNames = {queued: "排队中", running: "进行中", done: "已完成", failed: "失败"};
  var levelNames = {"县区": "县（区）", "界别专委": "界别 / 专委会", "unknown": "未识别"};

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function showReport(report) {
    var s = report.summary;
    // Files refused at upload (empty, too large, wrong type) and files ingest could not read,
    // listed together: each with its reason in Chinese (the English one is in the JSON too).
    var problems = (report.refused || []).concat(report.errors);
    document.getElementById("job-summary").textContent =
      "新入库文档 " + (s.documents - 0) + " 篇，段落 " + s.chunks + " 个，非政协文档 " + s.off_topic +
      " 篇，未改动文件 " + s.unchanged_files + " 个，未能入库的文件 " + problems.length + " 个。";
    var tbody = document.querySelector("#job-documents tbody");
    tbody.textContent = "";
    report.documents.forEach(function (d) {
      var tr = document.createElement("tr");
      var title = cell(tr, "");
      var a = document.createElement("a");
      a.href = docUrl.replace("DOC_ID", encodeURIComponent(d.id));
      a.textContent = d.title || "（无标题）";
      title.appendChild(a);
      cell(tr, d.source_name);
      cell(tr, levelNames[d.level] || d.level);
      cell(tr, d.year || "—");
      cell(tr, d.kind === "other" ? "其他" : d.kind);
      cell(tr, d.on_topic ? "是" : "否：" + d.topic_reason);
      cell(tr, d.chunks);
      tbody.appendChild(tr);
    });
    var errors = document.getElementById("job-errors");
    errors.textContent = "";
    problems.forEach(function (e) {
      var li = document.createElement("li");
      var name = document.createElement("strong");
      name.textContent = e.source_name;
      li.appendChild(name);
      li.appendChild(document.createTextNode("：" + (e.reason || e.error)));
      errors.appendChild(li);
    });
    document.getElementById("job-problems").hidden = !problems.length;
    document.getElementById("job-report").hidden = false;
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var job = data.job;
        var bar = document.getElementById("job-progress");
        bar.max = job.total || 1;
        bar.value = job.done;
        document.getElementById("job-count").textContent = job.done + "/" + job.total;
        document.getElementById("job-current").textContent = job.current ? "正在处理：" + job.current : "";
        document.getElementById("job-status").textContent = statusNames[job.status] || job.status;
        box.setAttribute("data-status", job.status);
        if (job.status === "done") {
          showReport(job.report);
        } else if (job.status === "failed") {
          var err = document.getElementById("job-error");
          err.textContent = "入库失败：" + job.error.replace(/\s*\([^()]*\)$/, "");
          err.hidden = false;
        } else {
          window.setTimeout(poll, 700);
        }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
})();
