<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Fit box to its text</source>
        <translation>框贴合文字(&amp;F)</translation>
    </message>
    <message>
        <source>Split region into words</source>
        <translation>将标注框按词拆分</translation>
    </message>
    <message>
        <source>Draw a don't-care rectangle (###)</source>
        <translation>画不关心矩形（###）</translation>
    </message>
    <message>
        <source>Edit text in the &amp;line editor</source>
        <translation>在行编辑器中编辑文字(&amp;L)</translation>
    </message>
    <message>
        <source>Mar&amp;k don't care (### and difficult)</source>
        <translation>标为不关心（### 并标为困难）(&amp;K)</translation>
    </message>
    <message>
        <source>Te&amp;xts in capitals (selected, or all)</source>
        <translation>文字转为大写（所选或全部）(&amp;X)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;OCR</source>
        <translation>识别(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;KIE</source>
        <translation>关键信息(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Open folder...</source>
        <translation>打开文件夹(&amp;O)...</translation>
    </message>
    <message>
        <source>&amp;Save now</source>
        <translation>立即保存(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>S&amp;ettings...</source>
        <translation>设置(&amp;E)...</translation>
    </message>
    <message>
        <source>&amp;Export PaddleOCR dataset...</source>
        <translation>导出 PaddleOCR 数据集(&amp;E)...</translation>
    </message>
    <message>
        <source>Con&amp;vert labels...</source>
        <translation>转换标注(&amp;V)...</translation>
    </message>
    <message>
        <source>&amp;Import labels as pre-labels...</source>
        <translation>导入标注作为预标注(&amp;I)...</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>Draw &amp;rectangle</source>
        <translation>绘制矩形框(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Delete region</source>
        <translation>删除标注框(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Edit transcription</source>
        <translation>编辑识别结果(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Confirm image and go to next</source>
        <translation>确认本图片并跳到下一张(&amp;C)</translation>
    </message>
    <message>
        <source>Next &amp;low-confidence region</source>
        <translation>下一个低置信度标注框(&amp;L)</translation>
    </message>
    <message>
        <source>Previous low-confidence region</source>
        <translation>上一个低置信度标注框</translation>
    </message>
    <message>
        <source>&amp;Auto-label this image</source>
        <translation>自动标注当前图片(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Re-recognize selected region</source>
        <translation>重新识别选中的标注框(&amp;R)</translation>
    </message>
    <message>
        <source>Re-recognize &amp;all regions</source>
        <translation>重新识别全部标注框(&amp;A)</translation>
    </message>
    <message>
        <source>Auto-label all &amp;new images</source>
        <translation>自动标注所有新图片(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Stop auto-labelling&#9;Esc</source>
        <translation>停止自动标注(&amp;S)&#9;Esc</translation>
    </message>
    <message>
        <source>&amp;Previous image</source>
        <translation>上一张图片(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Next image</source>
        <translation>下一张图片(&amp;N)</translation>
    </message>
    <message>
        <source>Zoom &amp;in</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Fit window</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;KIE mode</source>
        <translation>关键信息抽取模式(&amp;K)</translation>
    </message>
    <message>
        <source>Set &amp;key class of selected region...</source>
        <translation>设置选中框的关键类别(&amp;K)...</translation>
    </message>
    <message>
        <source>&amp;Load key class list...</source>
        <translation>加载关键类别列表(&amp;L)...</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>快捷键列表(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About labeler</source>
        <translation>关于 labeler(&amp;A)</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>图片列表</translation>
    </message>
    <message>
        <source>Regions</source>
        <translation>标注框列表</translation>
    </message>
    <message>
        <source>Correction</source>
        <translation>校对</translation>
    </message>
    <message>
        <source>Key classes</source>
        <translation>关键类别</translation>
    </message>
    <message>
        <source>&amp;Expand</source>
        <translation>扩展标注框(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Hide boxes</source>
        <translation>隐藏标注框(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Lock / unlock</source>
        <translation>锁定 / 解锁(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Show boxes</source>
        <translation>显示标注框(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Image</source>
        <translation>图像(&amp;I)</translation>
    </message>
    <message>
        <source>Rotate image &amp;anticlockwise</source>
        <translation>图像逆时针旋转 90°(&amp;A)</translation>
    </message>
    <message>
        <source>Rotate image &amp;clockwise</source>
        <translation>图像顺时针旋转 90°(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Delete image...</source>
        <translation>删除图像(&amp;D)...</translation>
    </message>
    <message>
        <source>Show box &amp;numbers</source>
        <translation>显示框序号(&amp;N)</translation>
    </message>
    <message>
        <source>Edit &amp;mode (stop drawing)</source>
        <translation>编辑模式（停止绘制）(&amp;M)</translation>
    </message>
    <message>
        <source>Delete image</source>
        <translation>删除图像</translation>
    </message>
    <message>
        <source>Move {name} to {trash} and remove its labels from Label.txt, Cache.cach and fileState.txt?

This cannot be undone with Ctrl+Z; the file and a copy of its labels stay in the trash folder.</source>
        <translation>将 {name} 移到 {trash}，并从 Label.txt、Cache.cach 和 fileState.txt 中删除它的标注？

此操作不能用 Ctrl+Z 撤销；文件和它的标注副本保留在回收站文件夹中。</translation>
    </message>
    <message>
        <source>&amp;Zoom to selected box</source>
        <translation>缩放到选中框(&amp;Z)</translation>
    </message>
    <message>
        <source>Add &amp;vertex (longest edge)</source>
        <translation>添加顶点（最长边）(&amp;V)</translation>
    </message>
    <message>
        <source>Convert to &amp;rectangle</source>
        <translation>转换为矩形(&amp;R)</translation>
    </message>
    <message>
        <source>Copy locked regions to the &amp;next image</source>
        <translation>复制锁定框到下一张图片(&amp;N)</translation>
    </message>
    <message>
        <source>D&amp;uplicate</source>
        <translation>复制标注框(&amp;U)</translation>
    </message>
    <message>
        <source>Draw &amp;multi-point polygon (Enter closes)</source>
        <translation>绘制多点多边形（回车闭合）(&amp;M)</translation>
    </message>
    <message>
        <source>Draw 4-point &amp;polygon</source>
        <translation>绘制四点多边形(&amp;P)</translation>
    </message>
    <message>
        <source>Fit &amp;width</source>
        <translation>适应宽度(&amp;W)</translation>
    </message>
    <message>
        <source>Re&amp;gion</source>
        <translation>标注框(&amp;G)</translation>
    </message>
    <message>
        <source>Re&amp;sort into reading order</source>
        <translation>按阅读顺序重排(&amp;S)</translation>
    </message>
    <message>
        <source>Remove picked ver&amp;tex</source>
        <translation>删除选中顶点(&amp;T)</translation>
    </message>
    <message>
        <source>Rotate 90° &amp;anticlockwise</source>
        <translation>逆时针旋转 90°(&amp;A)</translation>
    </message>
    <message>
        <source>Rotate 90° clock&amp;wise</source>
        <translation>顺时针旋转 90°(&amp;W)</translation>
    </message>
    <message>
        <source>Locked regions follow onto new images</source>
        <translation>锁定框自动带到新图片</translation>
    </message>
    <message>
        <source>Re&amp;train...</source>
        <translation>重新训练(&amp;T)...</translation>
    </message>
    <message>
        <source>Retrain</source>
        <translation>重新训练</translation>
    </message>
    <message>
        <source>Open image folder</source>
        <translation>打开图片文件夹</translation>
    </message>
    <message>
        <source>{n} problems in the label files: {first}</source>
        <translation>标注文件中有 {n} 处问题：{first}</translation>
    </message>
    <message>
        <source>{n} regions · {status}</source>
        <translation>{n} 个标注框 · {status}</translation>
    </message>
    <message>
        <source>Zoom {percent:.0f}%</source>
        <translation>缩放 {percent:.0f}%</translation>
    </message>
    <message>
        <source>Could not save the labels:
{error}

The window stays open.</source>
        <translation>无法保存标注：
{error}

窗口将保持打开。</translation>
    </message>
    <message>
        <source>Label-file &amp;problems</source>
        <translation>标注文件问题(&amp;P)</translation>
    </message>
    <message>
        <source>a label line could not be read</source>
        <translation>有一行标注无法读取</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <source>Model set</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>default</source>
        <translation>默认</translation>
    </message>
    <message>
        <source>light</source>
        <translation>轻量</translation>
    </message>
    <message>
        <source>custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>model folder, manifest.json or registered set name</source>
        <translation>模型文件夹、manifest.json 或已注册的模型名</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>浏览...</translation>
    </message>
    <message>
        <source>Model folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>from model</source>
        <translation>按模型设定</translation>
    </message>
    <message>
        <source>Detection box threshold</source>
        <translation>检测框阈值 (box_thresh)</translation>
    </message>
    <message>
        <source>Detection unclip ratio</source>
        <translation>检测框扩张比例 (unclip_ratio)</translation>
    </message>
    <message>
        <source>Low recognition score under</source>
        <translation>低置信度阈值</translation>
    </message>
    <message>
        <source>Autosave delay</source>
        <translation>自动保存延迟</translation>
    </message>
    <message>
        <source>Choose a folder for the custom model set.</source>
        <translation>请为自定义模型选择一个文件夹。</translation>
    </message>
    <message>
        <source>KIE mode (a key class per region)</source>
        <translation>关键信息抽取模式（每个框一个关键类别）</translation>
    </message>
    <message>
        <source>Key information</source>
        <translation>关键信息</translation>
    </message>
    <message>
        <source>one class per line; empty: type the classes</source>
        <translation>每行一个类别；留空则手动输入类别</translation>
    </message>
    <message>
        <source>Key class list</source>
        <translation>关键类别列表</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Text files (*.txt);;All files (*)</source>
        <translation>文本文件 (*.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>{file}: cannot read the key class list: {error}</source>
        <translation>{file}：无法读取关键类别列表：{error}</translation>
    </message>
    <message>
        <source> (+{n} more)</source>
        <translation>（另有 {n} 条）</translation>
    </message>
    <message>
        <source>Opening a folder</source>
        <translation>打开文件夹时</translation>
    </message>
    <message>
        <source>Pre-label its new images</source>
        <translation>预标注其中的新图片</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键列表</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>功能</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Change keys in the settings file under &quot;shortcuts&quot; (action name -&gt; keys).</source>
        <translation>在设置文件的 &quot;shortcuts&quot; 项中修改快捷键（功能名称 -&gt; 快捷键）。</translation>
    </message>
    <message>
        <source>shortcut for unknown action {name!r} ignored (known: {known})</source>
        <translation>未知功能 {name!r} 的快捷键已忽略（已知功能：{known}）</translation>
    </message>
    <message>
        <source>shortcut {key!r} for {name!r} is not a valid key sequence</source>
        <translation>{name!r} 的快捷键 {key!r} 不是有效的按键组合</translation>
    </message>
    <message>
        <source>shortcut {key} is bound to several actions: {names} (only one will work)</source>
        <translation>快捷键 {key} 绑定到多个功能：{names}（只有一个会生效）</translation>
    </message>
</context>
<context>
    <name>RetrainPanel</name>
    <message>
        <source>Accepted: model {version} now pre-labels this project.</source>
        <translation>已采用：本项目的预标注现在使用模型 {version}。</translation>
    </message>
    <message>
        <source>Accepted: model {version} was installed.</source>
        <translation>已采用：模型 {version} 已安装。</translation>
    </message>
    <message>
        <source>Advanced</source>
        <translation>高级选项</translation>
    </message>
    <message>
        <source>Also fine-tune the detector</source>
        <translation>同时微调检测模型</translation>
    </message>
    <message>
        <source>Base model: {model} · device {device} · budget {minutes:g} min</source>
        <translation>基础模型：{model} · 设备 {device} · 时间预算 {minutes:g} 分钟</translation>
    </message>
    <message>
        <source>Base</source>
        <translation>训练前</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelled: nothing was installed.</source>
        <translation>已取消：未安装任何模型。</translation>
    </message>
    <message>
        <source>Cancelling...</source>
        <translation>正在取消...</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Error: {message}</source>
        <translation>错误：{message}</translation>
    </message>
    <message>
        <source>Fine-tune the recognizer on the confirmed images of this project</source>
        <translation>用本项目已确认的图片微调识别模型</translation>
    </message>
    <message>
        <source>Finished.</source>
        <translation>已完成。</translation>
    </message>
    <message>
        <source>Loss by step</source>
        <translation>损失（按步数）</translation>
    </message>
    <message>
        <source>Max steps</source>
        <translation>最大步数</translation>
    </message>
    <message>
        <source>Metrics (before / after)</source>
        <translation>指标（训练前 / 训练后）</translation>
    </message>
    <message>
        <source>Metrics on the {split} split ({n} images)</source>
        <translation>{split} 集上的指标（{n} 张图片）</translation>
    </message>
    <message>
        <source>No confirmed images yet: training learns from the images you confirmed.</source>
        <translation>还没有已确认的图片：训练只使用您确认过的图片。</translation>
    </message>
    <message>
        <source>Not accepted: {reason}. Pre-labelling keeps the current model.</source>
        <translation>未采用：{reason}。预标注继续使用当前模型。</translation>
    </message>
    <message>
        <source>Open a project folder first.</source>
        <translation>请先打开一个项目文件夹。</translation>
    </message>
    <message>
        <source>Processes</source>
        <translation>进程数</translation>
    </message>
    <message>
        <source>Re-label the {n} images not yet confirmed with the new model?</source>
        <translation>是否用新模型重新标注 {n} 张尚未确认的图片？</translation>
    </message>
    <message>
        <source>Retrain</source>
        <translation>重新训练</translation>
    </message>
    <message>
        <source>Start retraining</source>
        <translation>开始训练</translation>
    </message>
    <message>
        <source>The model was installed in {folder}; it is used when that project is opened.</source>
        <translation>模型已安装到 {folder}；打开该项目时将使用它。</translation>
    </message>
    <message>
        <source>The training log appears here.</source>
        <translation>训练日志显示在这里。</translation>
    </message>
    <message>
        <source>Time budget (min)</source>
        <translation>时间预算（分钟）</translation>
    </message>
    <message>
        <source>Training failed (exit status {code}); see the log.</source>
        <translation>训练失败（退出码 {code}），请查看日志。</translation>
    </message>
    <message>
        <source>Training on {n} confirmed images...</source>
        <translation>正在用 {n} 张已确认的图片训练...</translation>
    </message>
    <message>
        <source>Tuned</source>
        <translation>训练后</translation>
    </message>
    <message>
        <source>Validation accuracy by step</source>
        <translation>验证准确率（按步数）</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <source>no data yet</source>
        <translation>暂无数据</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>starting...</source>
        <translation>正在启动...</translation>
    </message>
    <message>
        <source>{model}: step {step}/{total} · ETA {eta}</source>
        <translation>{model}：第 {step}/{total} 步 · 剩余 {eta}</translation>
    </message>
    <message>
        <source>Cannot read the project's models: {error}</source>
        <translation>无法读取项目的模型：{error}</translation>
    </message>
    <message>
        <source>Model: {name}</source>
        <translation>模型：{name}</translation>
    </message>
    <message>
        <source>The trained model cannot be used: {error}</source>
        <translation>训练得到的模型无法使用：{error}</translation>
    </message>
    <message>
        <source>tuned {version}</source>
        <translation>微调 {version}</translation>
    </message>
    <message>
        <source>detection H-mean (polygon IoU &gt;= 0.5)</source>
        <translation>检测 H-mean（多边形 IoU &gt;= 0.5）</translation>
    </message>
    <message>
        <source>exact text of matched regions</source>
        <translation>匹配区域的文字完全正确</translation>
    </message>
    <message>
        <source>text ignoring case and white space</source>
        <translation>忽略大小写和空白的文字正确率</translation>
    </message>
    <message>
        <source>1 - normalized edit distance</source>
        <translation>1 - 归一化编辑距离</translation>
    </message>
    <message>
        <source>end-to-end H-mean (box and exact text)</source>
        <translation>端到端 H-mean（框与文字都正确）</translation>
    </message>
    <message>
        <source>share of regions needing no edit</source>
        <translation>无需修改的区域比例</translation>
    </message>
    <message>
        <source>The training process did not stop within {seconds:g} s: killed</source>
        <translation>训练进程未在 {seconds:g} 秒内停止：已强制结束</translation>
    </message>
    <message>
        <source>Could not start the training process: {error}</source>
        <translation>无法启动训练进程：{error}</translation>
    </message>
    <message>
        <source>Retraining needs the optional train extra ({requirements}), which this environment lacks (missing: {missing}). Install it here, or in a terminal: {command}</source>
        <translation>重新训练需要可选的训练扩展（{requirements}），当前环境中没有安装（缺少：{missing}）。可在此处安装，或在终端中运行：{command}</translation>
    </message>
    <message>
        <source>Install the train extra</source>
        <translation>安装训练扩展</translation>
    </message>
    <message>
        <source>Cancel install</source>
        <translation>取消安装</translation>
    </message>
    <message>
        <source>Runs: {command}</source>
        <translation>将运行：{command}</translation>
    </message>
    <message>
        <source>Installing {requirements} into this environment; pip's output is in the log below.</source>
        <translation>正在将 {requirements} 安装到当前环境；pip 的输出显示在下方日志中。</translation>
    </message>
    <message>
        <source>downloading: {done:.0f} of {total:.0f} MB</source>
        <translation>正在下载：{done:.0f} / {total:.0f} MB</translation>
    </message>
    <message>
        <source>installing...</source>
        <translation>正在安装...</translation>
    </message>
    <message>
        <source>Cancelling the install...</source>
        <translation>正在取消安装...</translation>
    </message>
    <message>
        <source>pip did not stop within {seconds:g} s: killed</source>
        <translation>pip 未在 {seconds:g} 秒内停止：已强制结束</translation>
    </message>
    <message>
        <source>Could not start pip: {error}</source>
        <translation>无法启动 pip：{error}</translation>
    </message>
    <message>
        <source>The train extra is installed: retraining is ready.</source>
        <translation>训练扩展已安装：可以开始重新训练。</translation>
    </message>
    <message>
        <source>Install cancelled: the train extra is still missing.</source>
        <translation>安装已取消：仍缺少训练扩展。</translation>
    </message>
    <message>
        <source>pip finished, but {missing} still cannot be found: restart labeler to use it.</source>
        <translation>pip 已完成，但仍找不到 {missing}：请重新启动 labeler 后使用。</translation>
    </message>
    <message>
        <source>Install failed (exit status {code}); see the log. Retraining needs {requirements}.</source>
        <translation>安装失败（退出状态 {code}），请查看日志。重新训练需要 {requirements}。</translation>
    </message>
    <message>
        <source>Retraining needs the train extra: install it first (see above).</source>
        <translation>重新训练需要训练扩展：请先安装（见上方）。</translation>
    </message>
</context>
<context>
    <name>BatchLabeler</name>
    <message>
        <source>Auto-labelling is already running</source>
        <translation>自动标注已在进行中</translation>
    </message>
    <message>
        <source>No new images to auto-label</source>
        <translation>没有需要自动标注的新图片</translation>
    </message>
    <message>
        <source>No unconfirmed images to auto-label</source>
        <translation>没有需要自动标注的未确认图片</translation>
    </message>
    <message>
        <source>Auto-labelling {n} unconfirmed images (Esc stops)</source>
        <translation>正在自动标注 {n} 张未确认的图片（Esc 停止）</translation>
    </message>
    <message>
        <source>Auto-labelling {n} new images (Esc stops)</source>
        <translation>正在自动标注 {n} 张新图片（Esc 停止）</translation>
    </message>
    <message>
        <source>Stopping auto-labelling...</source>
        <translation>正在停止自动标注...</translation>
    </message>
    <message>
        <source>{path} was edited meanwhile: its auto-labels were not applied</source>
        <translation>{path} 在此期间已被编辑：未应用其自动标注结果</translation>
    </message>
    <message>
        <source>Stopped auto-labelling: {done} of {total} images labelled</source>
        <translation>已停止自动标注：已标注 {done}/{total} 张图片</translation>
    </message>
    <message>
        <source>Finished auto-labelling: {done} of {total} images labelled</source>
        <translation>自动标注完成：已标注 {done}/{total} 张图片</translation>
    </message>
    <message>
        <source>, {n} skipped (edited meanwhile)</source>
        <translation>，跳过 {n} 张（期间已被编辑）</translation>
    </message>
    <message>
        <source>Auto-labelling failed: {error}</source>
        <translation>自动标注失败：{error}</translation>
    </message>
    <message>
        <source>Stopped auto-labelling: {n} images labelled</source>
        <translation>已停止自动标注：已标注 {n} 张图片</translation>
    </message>
    <message>
        <source>No regions to re-recognize</source>
        <translation>没有可重新识别的标注框</translation>
    </message>
    <message>
        <source>OCR failed: {error}</source>
        <translation>识别失败：{error}</translation>
    </message>
    <message>
        <source>Re-recognizing {n} regions...</source>
        <translation>正在重新识别 {n} 个标注框...</translation>
    </message>
    <message>
        <source>{path} was edited meanwhile: re-recognition not applied</source>
        <translation>{path} 在此期间已被编辑：未应用重新识别结果</translation>
    </message>
    <message>
        <source>Re-recognized {n} regions, {changed} texts changed</source>
        <translation>已重新识别 {n} 个标注框，{changed} 处文字有变化</translation>
    </message>
    <message>
        <source>Pre-labelling {n} new images (Esc stops)</source>
        <translation>正在后台预标注 {n} 张新图片（Esc 停止）</translation>
    </message>
</context>
<context>
    <name>Canvas</name>
    <message>
        <source>A polygon needs at least {n} points (Esc cancels)</source>
        <translation>多边形至少需要 {n} 个点（Esc 取消）</translation>
    </message>
</context>
<context>
    <name>CorrectionPanel</name>
    <message>
        <source>No more regions in this image</source>
        <translation>本图片没有更多区域了</translation>
    </message>
    <message>
        <source>Select a region ({key}: next low-confidence region)</source>
        <translation>请选择一个标注框（{key}：下一个低置信度标注框）</translation>
    </message>
    <message>
        <source>no score</source>
        <translation>无置信度</translation>
    </message>
    <message>
        <source>score {score:.2f}</source>
        <translation>置信度 {score:.2f}</translation>
    </message>
    <message>
        <source>Region {n}</source>
        <translation>标注框 {n}</translation>
    </message>
    <message>
        <source>low confidence</source>
        <translation>低置信度</translation>
    </message>
    <message>
        <source>No low-confidence regions left in this image</source>
        <translation>本图片中已没有低置信度标注框</translation>
    </message>
    <message>
        <source>Edit full text...</source>
        <translation>编辑全文...</translation>
    </message>
    <message>
        <source>{n} characters</source>
        <translation>{n} 个字符</translation>
    </message>
    <message>
        <source>Region {n}: whole text</source>
        <translation>标注框 {n}：全文</translation>
    </message>
</context>
<context>
    <name>EditActions</name>
    <message>
        <source>No text found inside the box</source>
        <translation>框内没有找到文字</translation>
    </message>
    <message>
        <source>fit to the text</source>
        <translation>贴合文字</translation>
    </message>
    <message>
        <source>split into words</source>
        <translation>按词拆分</translation>
    </message>
    <message>
        <source>Select a region to mark it difficult</source>
        <translation>请先选择要标记为困难的标注框</translation>
    </message>
    <message>
        <source>{n} region(s) marked difficult</source>
        <translation>已将 {n} 个标注框标记为困难</translation>
    </message>
    <message>
        <source>{n} region(s) no longer difficult</source>
        <translation>已取消 {n} 个标注框的困难标记</translation>
    </message>
    <message>
        <source>difficult</source>
        <translation>困难</translation>
    </message>
    <message>
        <source>No text to put in capitals</source>
        <translation>没有可转为大写的文字</translation>
    </message>
    <message>
        <source>upper case</source>
        <translation>转为大写</translation>
    </message>
    <message>
        <source>{n} text(s) put in capitals</source>
        <translation>{n} 个文字已转为大写</translation>
    </message>
    <message>
        <source>mark don't care</source>
        <translation>标为不关心</translation>
    </message>
    <message>
        <source>Cannot {action}: {error}</source>
        <translation>无法{action}：{error}</translation>
    </message>
    <message>
        <source>Select a region first</source>
        <translation>请先选择一个标注框</translation>
    </message>
    <message>
        <source>move regions</source>
        <translation>移动标注框</translation>
    </message>
    <message>
        <source>delete regions</source>
        <translation>删除标注框</translation>
    </message>
    <message>
        <source>Select a region to duplicate</source>
        <translation>请先选择要复制的标注框</translation>
    </message>
    <message>
        <source>duplicate regions</source>
        <translation>复制标注框</translation>
    </message>
    <message>
        <source>convert to rectangle</source>
        <translation>转换为矩形</translation>
    </message>
    <message>
        <source>expand</source>
        <translation>扩展标注框</translation>
    </message>
    <message>
        <source>rotate</source>
        <translation>旋转标注框</translation>
    </message>
    <message>
        <source>add vertex</source>
        <translation>添加顶点</translation>
    </message>
    <message>
        <source>Pick a vertex first (click it, or Z / X / C / V)</source>
        <translation>请先选中一个顶点（单击顶点，或按 Z / X / C / V）</translation>
    </message>
    <message>
        <source>A region keeps at least {n} points</source>
        <translation>标注框至少保留 {n} 个点</translation>
    </message>
    <message>
        <source>remove vertex</source>
        <translation>删除顶点</translation>
    </message>
    <message>
        <source>Regions are in reading order already</source>
        <translation>标注框已经按阅读顺序排列</translation>
    </message>
    <message>
        <source>resort regions</source>
        <translation>重排标注框</translation>
    </message>
    <message>
        <source>Select a region to lock</source>
        <translation>请先选择要锁定的标注框</translation>
    </message>
    <message>
        <source>lock regions</source>
        <translation>锁定标注框</translation>
    </message>
    <message>
        <source>unlock regions</source>
        <translation>解锁标注框</translation>
    </message>
    <message>
        <source>No locked regions on this image</source>
        <translation>本图片没有锁定的标注框</translation>
    </message>
    <message>
        <source>This is the last image</source>
        <translation>这已经是最后一张图片</translation>
    </message>
    <message>
        <source>{path} has regions already: locked regions not copied</source>
        <translation>{path} 已有标注框：未复制锁定框</translation>
    </message>
    <message>
        <source>Copied {n} locked regions onto {path}</source>
        <translation>已将 {n} 个锁定框复制到 {path}</translation>
    </message>
    <message>
        <source>Copied {n} locked regions from {path}</source>
        <translation>已从 {path} 复制 {n} 个锁定框</translation>
    </message>
</context>
<context>
    <name>Editor</name>
    <message>
        <source>CJK</source>
        <translation>汉字</translation>
    </message>
    <message>
        <source>digit</source>
        <translation>数字</translation>
    </message>
    <message>
        <source>letter</source>
        <translation>字母</translation>
    </message>
    <message>
        <source>boxes {n}% tighter</source>
        <translation>框收紧 {n}%</translation>
    </message>
    <message>
        <source>boxes {n}% looser</source>
        <translation>框放宽 {n}%</translation>
    </message>
    <message>
        <source>no space between {a} and {b}</source>
        <translation>{a}与{b}之间不加空格</translation>
    </message>
    <message>
        <source>a space between {a} and {b}</source>
        <translation>{a}与{b}之间加空格</translation>
    </message>
    <message>
        <source>Pre-labels fitted to this project's conventions (learned from {n} confirmed images): {what}. Ctrl+Z undoes</source>
        <translation>预标注已按本项目的标注约定调整（从 {n} 张已确认图片学到）：{what}。Ctrl+Z 撤销</translation>
    </message>
    <message>
        <source>Saved</source>
        <translation>已保存</translation>
    </message>
    <message>
        <source>Autosave failed: {error}</source>
        <translation>自动保存失败：{error}</translation>
    </message>
    <message>
        <source>Opened {folder} ({n} images)</source>
        <translation>已打开 {folder}（{n} 张图片）</translation>
    </message>
    <message>
        <source>Nothing to undo</source>
        <translation>没有可撤销的操作</translation>
    </message>
    <message>
        <source>Nothing to redo</source>
        <translation>没有可重做的操作</translation>
    </message>
    <message>
        <source>All images are confirmed</source>
        <translation>所有图片都已确认</translation>
    </message>
    <message>
        <source>OCR failed: {error}</source>
        <translation>识别失败：{error}</translation>
    </message>
    <message>
        <source>Auto-labelling {path}...</source>
        <translation>正在自动标注 {path}...</translation>
    </message>
    <message>
        <source>{path} was edited meanwhile: auto-label result not applied</source>
        <translation>{path} 在此期间已被编辑：未应用自动标注结果</translation>
    </message>
    <message>
        <source>Auto-labelled {path}: {n} regions</source>
        <translation>已自动标注 {path}：{n} 个标注框</translation>
    </message>
    <message>
        <source>Select a region to re-recognize</source>
        <translation>请先选择要重新识别的标注框</translation>
    </message>
    <message>
        <source>{path} was edited meanwhile: recognition not applied</source>
        <translation>{path} 在此期间已被编辑：未应用识别结果</translation>
    </message>
    <message>
        <source>Region {n}: {text!r} ({score:.2f})</source>
        <translation>标注框 {n}：{text!r}（{score:.2f}）</translation>
    </message>
    <message>
        <source>Took over the folder lock of {holder}, which ended without releasing it</source>
        <translation>已接管 {holder} 的文件夹锁，该进程结束时未释放它</translation>
    </message>
    <message>
        <source>{n} image(s) updated from another writer's save</source>
        <translation>已根据其他写入者的保存更新 {n} 张图片</translation>
    </message>
    <message>
        <source>{path}: also changed by another writer; this window's newer edit was kept, theirs is in {file}</source>
        <translation>{path}：另一写入者也修改了它；已保留本窗口较新的修改，对方的版本保存在 {file}</translation>
    </message>
    <message>
        <source>{path}: also changed by another writer; their newer edit was kept, this window's is in {file}</source>
        <translation>{path}：另一写入者也修改了它；已保留对方较新的修改，本窗口的版本保存在 {file}</translation>
    </message>
    <message>
        <source>Reading other writers' saves failed: {error}</source>
        <translation>读取其他写入者的保存失败：{error}</translation>
    </message>
</context>
<context>
    <name>FileJobs</name>
    <message>
        <source>Browse...</source>
        <translation>浏览...</translation>
    </message>
    <message>
        <source>Export PaddleOCR dataset</source>
        <translation>导出 PaddleOCR 数据集</translation>
    </message>
    <message>
        <source>Also export pre-labelled images (not checked by a person)</source>
        <translation>同时导出预标注图片（未经人工确认）</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <source>Split train : val : test</source>
        <translation>划分比例 训练 : 验证 : 测试</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Crop format</source>
        <translation>裁剪图格式</translation>
    </message>
    <message>
        <source>Convert labels</source>
        <translation>转换标注</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Image folder</source>
        <translation>图片文件夹</translation>
    </message>
    <message>
        <source>From format</source>
        <translation>源格式</translation>
    </message>
    <message>
        <source>Input (file or folder)</source>
        <translation>输入（文件或文件夹）</translation>
    </message>
    <message>
        <source>To format</source>
        <translation>目标格式</translation>
    </message>
    <message>
        <source>Output (file or folder)</source>
        <translation>输出（文件或文件夹）</translation>
    </message>
    <message>
        <source>Image folder (for sizes)</source>
        <translation>图片文件夹（用于读取尺寸）</translation>
    </message>
    <message>
        <source>Import labels as pre-labels</source>
        <translation>导入标注作为预标注</translation>
    </message>
    <message>
        <source>Labels</source>
        <translation>标注</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>Labels (file or folder)</source>
        <translation>标注（文件或文件夹）</translation>
    </message>
    <message>
        <source>Imported {n} images as pre-labels (Ctrl+Z on an image undoes its import).</source>
        <translation>已将 {n} 张图片的标注导入为预标注（在图片上按 Ctrl+Z 可撤销导入）。</translation>
    </message>
    <message>
        <source>Left alone, already confirmed: {n}</source>
        <translation>已确认而未改动：{n}</translation>
    </message>
    <message>
        <source>No regions in the file: {n}</source>
        <translation>文件中没有标注框：{n}</translation>
    </message>
    <message>
        <source>Not in this folder: {n} (e.g. {first})</source>
        <translation>不在此文件夹中：{n}（例如 {first}）</translation>
    </message>
    <message>
        <source>Warnings: {n} (first: {first})</source>
        <translation>警告：{n}（第一条：{first}）</translation>
    </message>
    <message>
        <source>Exported {done} of {total} images to {folder}</source>
        <translation>已导出 {done}/{total} 张图片到 {folder}</translation>
    </message>
    <message>
        <source>{det} det boxes, {rec} rec crops</source>
        <translation>{det} 个检测框，{rec} 张识别裁剪图</translation>
    </message>
    <message>
        <source>, {n} KIE regions</source>
        <translation>，{n} 个关键信息框</translation>
    </message>
    <message>
        <source> in {seconds:.1f} s</source>
        <translation>，用时 {seconds:.1f} 秒</translation>
    </message>
    <message>
        <source>Another export, conversion or import is still running.</source>
        <translation>另一个导出、转换或导入任务仍在进行中。</translation>
    </message>
    <message>
        <source>{title} cancelled; nothing was written.</source>
        <translation>{title}已取消；未写入任何内容。</translation>
    </message>
    <message>
        <source>{title}...</source>
        <translation>正在{title}...</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>{title} failed:
{error}</source>
        <translation>{title}失败：
{error}</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Convert</source>
        <translation>转换</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Open an image folder first.</source>
        <translation>请先打开一个图片文件夹。</translation>
    </message>
    <message>
        <source>Choose an output folder.</source>
        <translation>请选择输出文件夹。</translation>
    </message>
    <message>
        <source>could not save the labels first: {error}</source>
        <translation>无法先保存标注：{error}</translation>
    </message>
    <message>
        <source>Choose an input and an output.</source>
        <translation>请选择输入和输出。</translation>
    </message>
    <message>
        <source>Converted {images} images, {regions} regions.</source>
        <translation>已转换 {images} 张图片，{regions} 个标注框。</translation>
    </message>
    <message>
        <source>{n} warnings:</source>
        <translation>{n} 条警告：</translation>
    </message>
    <message>
        <source>Open an image folder and choose the labels to import.</source>
        <translation>请先打开图片文件夹，并选择要导入的标注。</translation>
    </message>
</context>
<context>
    <name>ImageActions</name>
    <message>
        <source>Still rotating the last image...</source>
        <translation>仍在旋转上一张图片...</translation>
    </message>
    <message>
        <source>Rotating {path}...</source>
        <translation>正在旋转 {path}...</translation>
    </message>
    <message>
        <source>Cannot rotate {path}: {error}</source>
        <translation>无法旋转 {path}：{error}</translation>
    </message>
    <message>
        <source>{path} changed on disk meanwhile: not rotated</source>
        <translation>{path} 在此期间已在磁盘上被修改：未旋转</translation>
    </message>
    <message>
        <source>Rotated {path} clockwise: now {width} × {height} px (Ctrl+Z undoes)</source>
        <translation>已将 {path} 顺时针旋转：现为 {width} × {height} 像素（Ctrl+Z 撤销）</translation>
    </message>
    <message>
        <source>Rotated {path} anticlockwise: now {width} × {height} px (Ctrl+Z undoes)</source>
        <translation>已将 {path} 逆时针旋转：现为 {width} × {height} 像素（Ctrl+Z 撤销）</translation>
    </message>
    <message>
        <source>Could not save the labels: {error}</source>
        <translation>无法保存标注：{error}</translation>
    </message>
    <message>
        <source>Moved {path} to {target}</source>
        <translation>已将 {path} 移到 {target}</translation>
    </message>
</context>
<context>
    <name>ImageLoader</name>
    <message>
        <source>Loading...</source>
        <translation>正在加载...</translation>
    </message>
    <message>
        <source>{width} × {height} px</source>
        <translation>{width} × {height} 像素</translation>
    </message>
</context>
<context>
    <name>ImagePanel</name>
    <message>
        <source>new</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>pre-labelled</source>
        <translation>已预标注</translation>
    </message>
    <message>
        <source>confirmed</source>
        <translation>已确认</translation>
    </message>
    <message>
        <source>All images ({n})</source>
        <translation>全部图片 ({n})</translation>
    </message>
    <message>
        <source>New ({n})</source>
        <translation>未标注 ({n})</translation>
    </message>
    <message>
        <source>Pre-labelled ({n})</source>
        <translation>已预标注 ({n})</translation>
    </message>
    <message>
        <source>Confirmed ({n})</source>
        <translation>已确认 ({n})</translation>
    </message>
    <message>
        <source>{n} image</source>
        <translation>{n} 张图片</translation>
    </message>
    <message>
        <source>{n} images</source>
        <translation>{n} 张图片</translation>
    </message>
    <message>
        <source>{confirmed} confirmed · {prelabelled} pre-labelled · {new} new</source>
        <translation>已确认 {confirmed} · 已预标注 {prelabelled} · 未标注 {new}</translation>
    </message>
</context>
<context>
    <name>KiePanel</name>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Text files (*.txt);;All files (*)</source>
        <translation>文本文件 (*.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>#</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文字</translation>
    </message>
    <message>
        <source>Key class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Type a class and press Enter</source>
        <translation>输入类别后按回车</translation>
    </message>
    <message>
        <source>Load list...</source>
        <translation>加载列表...</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Key classes (double-click: set for the selected region; Ctrl+X: choose)</source>
        <translation>关键类别（双击：设为选中框的类别；Ctrl+X：选择）</translation>
    </message>
    <message>
        <source>No region selected</source>
        <translation>未选中标注框</translation>
    </message>
    <message>
        <source>Region {n}: key class {name}</source>
        <translation>标注框 {n}：关键类别 {name}</translation>
    </message>
    <message>
        <source>Key class list (one class per line)</source>
        <translation>关键类别列表（每行一个类别）</translation>
    </message>
    <message>
        <source>KIE</source>
        <translation>关键信息抽取</translation>
    </message>
    <message>
        <source>Could not read {path}:
{error}</source>
        <translation>无法读取 {path}：
{error}</translation>
    </message>
    <message>
        <source>{n} key classes from {path}</source>
        <translation>从 {path} 读取了 {n} 个关键类别</translation>
    </message>
    <message>
        <source>Key class {name} for {n} region(s)</source>
        <translation>已为 {n} 个标注框设置关键类别 {name}</translation>
    </message>
    <message>
        <source>Select a region to set its key class</source>
        <translation>请先选择要设置关键类别的标注框</translation>
    </message>
</context>
<context>
    <name>RegionTable</name>
    <message>
        <source>#</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Transcription</source>
        <translation>识别结果</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>置信度</translation>
    </message>
    <message>
        <source>Difficult</source>
        <translation>困难</translation>
    </message>
    <message>
        <source>{n} characters: double-click to edit the whole text</source>
        <translation>{n} 个字符：双击编辑全文</translation>
    </message>
</context>
<context>
    <name>LongText</name>
    <message>
        <source>{start}… ({n} characters)</source>
        <translation>{start}…（{n} 个字符）</translation>
    </message>
    <message>
        <source>&lt; Previous page</source>
        <translation>&lt; 上一页</translation>
    </message>
    <message>
        <source>Next page &gt;</source>
        <translation>下一页 &gt;</translation>
    </message>
    <message>
        <source>of {n}</source>
        <translation>页，共 {n} 页</translation>
    </message>
    <message>
        <source>Page</source>
        <translation>第</translation>
    </message>
    <message>
        <source>{n} characters; characters {first} to {last} are shown here.</source>
        <translation>共 {n} 个字符；此处显示第 {first} 至 {last} 个字符。</translation>
    </message>
</context>
<context>
    <name>ProblemsBar</name>
    <message>
        <source>Click to show this image</source>
        <translation>单击显示这张图片</translation>
    </message>
    <message>
        <source>Hide list</source>
        <translation>隐藏列表</translation>
    </message>
    <message>
        <source>Show list</source>
        <translation>显示列表</translation>
    </message>
    <message>
        <source>Dismiss (View menu: show again)</source>
        <translation>关闭（可在“视图”菜单中再次显示）</translation>
    </message>
    <message>
        <source>the line is kept as it is unless this image is edited</source>
        <translation>除非编辑这张图片，否则该行原样保留</translation>
    </message>
    <message>
        <source>the line is kept as it is</source>
        <translation>该行原样保留</translation>
    </message>
    <message>
        <source>image {image}</source>
        <translation>图片 {image}</translation>
    </message>
    <message>
        <source>{file} could not be read: {reason}</source>
        <translation>无法读取 {file}：{reason}</translation>
    </message>
    <message>
        <source>label line {line} of {file} could not be read ({reason}); shown without regions, the line is kept as it is unless this image is edited</source>
        <translation>{file} 第 {line} 行标注无法读取（{reason}）；显示时没有标注框，除非编辑这张图片，否则该行原样保留</translation>
    </message>
    <message>
        <source>label line {line} of {file} could not be read ({reason}); kept as it is</source>
        <translation>{file} 第 {line} 行标注无法读取（{reason}）；已原样保留</translation>
    </message>
    <message>
        <source>1 problem in the label files: a line that could not be read is kept as it is.</source>
        <translation>标注文件中有 1 处问题：无法读取的行已原样保留。</translation>
    </message>
    <message>
        <source>{n} problems in the label files: lines that could not be read are kept as they are.</source>
        <translation>标注文件中有 {n} 处问题：无法读取的行已原样保留。</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>What is wrong</source>
        <translation>问题</translation>
    </message>
</context>
<context>
    <name>NoticeBar</name>
    <message>
        <source>This folder is also open in another window: {who}.</source>
        <translation>此文件夹也在另一个窗口中打开：{who}。</translation>
    </message>
    <message>
        <source>Both can edit: saves merge image by image; an image changed in both keeps the newer edit and the other is saved in .labeler/conflicts/.</source>
        <translation>两个窗口都可以编辑：保存时按图片逐张合并；两边都修改过的图片保留较新的修改，另一份保存在 .labeler/conflicts/ 中。</translation>
    </message>
    <message>
        <source>{n} earlier conflicts (see .labeler/conflicts/)</source>
        <translation>另有 {n} 处较早的冲突（见 .labeler/conflicts/）</translation>
    </message>
</context>
<context>
    <name>AboutDialog</name>
    <message>
        <source>About labeler</source>
        <translation>关于 labeler</translation>
    </message>
    <message>
        <source>Version {version}</source>
        <translation>版本 {version}</translation>
    </message>
    <message>
        <source>Log file: {path}</source>
        <translation>日志文件：{path}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Merge selected regions</source>
        <translation>合并所选区域</translation>
    </message>
    <message>
        <source>Split region at the text cursor</source>
        <translation>在文本光标处拆分区域</translation>
    </message>
</context>
<context>
    <name>EditActions</name>
    <message>
        <source>merge regions</source>
        <translation>合并区域</translation>
    </message>
    <message>
        <source>split region</source>
        <translation>拆分区域</translation>
    </message>
</context>
<context>
    <name>BoxReading</name>
    <message>
        <source>Box {n} changed meanwhile: its reading was not applied</source>
        <translation>框 {n} 在识别期间被修改：识别结果未应用</translation>
    </message>
    <message>
        <source>Box {n} read: {text}</source>
        <translation>框 {n} 识别为：{text}</translation>
    </message>
    <message>
        <source>Select two or more regions to merge (Shift+click or drag a band)</source>
        <translation>请选择两个或更多区域再合并（Shift+单击或拖出选框）</translation>
    </message>
    <message>
        <source>Select a region to split</source>
        <translation>请选择要拆分的区域</translation>
    </message>
    <message>
        <source>Put the text cursor where the region splits, or click the point first</source>
        <translation>请先把文本光标放在拆分处，或先单击拆分点</translation>
    </message>
    <message>
        <source>Cannot split here: {error}</source>
        <translation>无法在此拆分：{error}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Read drawn and reshaped boxes at once</source>
        <translation>立即识别新画的和改变形状的框</translation>
    </message>
    <message>
        <source>A text you typed is never read over</source>
        <translation>不会覆盖您输入的文字</translation>
    </message>
    <message>
        <source>Fit pre-labels to the confirmed images</source>
        <translation>按已确认的图片调整预标注</translation>
    </message>
    <message>
        <source>The box margin and text rules learned from the images you confirmed go onto the next pre-labels (Ctrl+Z undoes)</source>
        <translation>从已确认图片学到的框边距和文字规则会应用到后续预标注（Ctrl+Z 撤销）</translation>
    </message>
    <message>
        <source>Conventions</source>
        <translation>标注约定</translation>
    </message>
    <message>
        <source>New boxes</source>
        <translation>新框</translation>
    </message>
</context>
<context>
    <name>LineEditor</name>
    <message>
        <source>The line as the recognizer read it: low-confidence characters are boxed; click to put the cursor there</source>
        <translation>识别器读到的文本行：低置信度字符已加框标出；点击可将光标移到该处</translation>
    </message>
    <message>
        <source>reviewed</source>
        <translation>已审核</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;Difficult / not difficult</source>
        <translation>困难 / 非困难(&amp;D)</translation>
    </message>
</context>
<context>
    <name>Relabel</name>
    <message>
        <source>Auto-labelled {path}: {n} regions</source>
        <translation>已自动标注 {path}：{n} 个标注框</translation>
    </message>
    <message>
        <source>Auto-labelled {path}: {added} regions added, your {kept} regions kept</source>
        <translation>已自动标注 {path}：新增 {added} 个标注框，保留了您的 {kept} 个标注框</translation>
    </message>
    <message>
        <source> ({n} detections on your regions left out)</source>
        <translation>（与您的标注框重叠的 {n} 个检测结果未加入）</translation>
    </message>
</context>
<context>
    <name>ImageSearch</name>
    <message>
        <source>Filter by name</source>
        <translation>按文件名筛选</translation>
    </message>
    <message>
        <source>Show only the images whose file name contains this text (Esc clears it)</source>
        <translation>只显示文件名包含此文字的图片（Esc 清除）</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Search actions, names and keys</source>
        <translation>搜索功能、名称和快捷键</translation>
    </message>
    <message>
        <source>Change keys in File &gt; Settings... &gt; Keyboard shortcuts.</source>
        <translation>在 文件 &gt; 设置... &gt; 快捷键 中修改快捷键。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Edit...</source>
        <translation>编辑...</translation>
    </message>
</context>
<context>
    <name>ShortcutEditor</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Search actions, names and keys</source>
        <translation>搜索功能、名称和快捷键</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>功能</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Set</source>
        <translation>设定</translation>
    </message>
    <message>
        <source>Give the selected action the key pressed in the box</source>
        <translation>把框中按下的键设为所选功能的快捷键</translation>
    </message>
    <message>
        <source>No key</source>
        <translation>无快捷键</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>恢复默认</translation>
    </message>
    <message>
        <source>Press a key:</source>
        <translation>按下按键：</translation>
    </message>
    <message>
        <source>Fixed: handled by the window, not a shortcut</source>
        <translation>固定：由窗口处理，不是快捷键</translation>
    </message>
    <message>
        <source>Select an action first.</source>
        <translation>请先选择一个功能。</translation>
    </message>
    <message>
        <source>Press a key in the box first.</source>
        <translation>请先在框中按下按键。</translation>
    </message>
    <message>
        <source>{action}: its key is fixed.</source>
        <translation>{action}：它的按键是固定的。</translation>
    </message>
    <message>
        <source>{key} is already the key of “{action}” ({name}). Choose another key, or give that action another key first.</source>
        <translation>{key} 已是“{action}”（{name}）的快捷键。请换一个按键，或先给那个功能换一个快捷键。</translation>
    </message>
    <message>
        <source>{action}: {keys}</source>
        <translation>{action}：{keys}</translation>
    </message>
</context>
</TS>
