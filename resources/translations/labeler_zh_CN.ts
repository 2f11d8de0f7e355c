<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>MainWindow</name>
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
</context>
</TS>
