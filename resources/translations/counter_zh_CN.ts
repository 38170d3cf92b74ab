<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>App</name>
    <message>
        <source>Returns Counter</source>
        <translation>退货柜台</translation>
    </message>
    <message>
        <source>The store database cannot be opened. Check the settings or call support.

{error}</source>
        <translation>无法打开门店数据库。请检查设置或联系技术支持。

{error}</translation>
    </message>
</context>
<context>
    <name>GiftReturn</name>
    <message>
        <source>Gift</source>
        <translation>礼品</translation>
    </message>
    <message>
        <source>Gift recipient (the buyer is not shown)</source>
        <translation>礼品接收人（不显示购买人）</translation>
    </message>
    <message>
        <source>Not shown on a gift return</source>
        <translation>礼品退货不显示</translation>
    </message>
    <message>
        <source>Nothing to refund yet.</source>
        <translation>尚无退款项目。</translation>
    </message>
    <message>
        <source>Store credit for the recipient</source>
        <translation>给接收人的店内余额</translation>
    </message>
    <message>
        <source>Gift return {ref} confirmed: {tender} for the recipient.</source>
        <translation>礼品退货 {ref} 已确认：为接收人办理{tender}。</translation>
    </message>
    <message>
        <source>Gift return</source>
        <translation>礼品退货</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Refund to</source>
        <translation>退款方式</translation>
    </message>
    <message>
        <source>Store credit code</source>
        <translation>店内余额码</translation>
    </message>
</context>
<context>
    <name>AuthorizedReturn</name>
    <message>
        <source>All as new (F10)</source>
        <translation>全部为全新 (F10)</translation>
    </message>
    <message>
        <source>Grade every scanned item "New, unopened" with the customer's reason (F10)</source>
        <translation>将所有已扫描的商品评为“全新未拆封”，并沿用顾客填写的原因 (F10)</translation>
    </message>
    <message>
        <source>Scan the items first: only scanned items are graded as new.</source>
        <translation>请先扫描商品：只有已扫描的商品才会评为全新。</translation>
    </message>
    <message>
        <source>Finish or clear the return in progress (Ctrl+N) before scanning a return code.</source>
        <translation>请先完成或清除正在办理的退货（Ctrl+N），再扫描退货码。</translation>
    </message>
    <message>
        <source>scan the item (or check it against the catalog photo) first.</source>
        <translation>请先扫描商品（或与商品目录照片核对）。</translation>
    </message>
    <message>
        <source>Not scanned yet: scan the item, or compare it with the catalog photo.</source>
        <translation>尚未扫描：请扫描商品，或与商品目录照片比对。</translation>
    </message>
    <message>
        <source>That is not a valid return code: check it and scan or type it again.</source>
        <translation>这不是有效的退货码：请检查后重新扫描或输入。</translation>
    </message>
    <message>
        <source>This return code was already used at store {store} on {day}.</source>
        <translation>此退货码已于 {day} 在门店 {store} 使用过。</translation>
    </message>
    <message>
        <source>This return code was already used for return {ref} on {day}.</source>
        <translation>此退货码已于 {day} 用于退货 {ref}。</translation>
    </message>
    <message>
        <source>This return code was already used.</source>
        <translation>此退货码已使用过。</translation>
    </message>
    <message>
        <source>This return code was just used at another counter of this store.</source>
        <translation>此退货码刚刚已在本店另一个柜台使用。</translation>
    </message>
    <message>
        <source>This return code was cancelled on {day}.</source>
        <translation>此退货码已于 {day} 取消。</translation>
    </message>
    <message>
        <source>This return code was cancelled.</source>
        <translation>此退货码已取消。</translation>
    </message>
    <message>
        <source>This return code expired on {day}.</source>
        <translation>此退货码已于 {day} 过期。</translation>
    </message>
    <message>
        <source>Head office cannot be reached and this return code has not reached the store yet — start the return from the order.</source>
        <translation>无法连接总部，且此退货码尚未同步到本店——请从订单开始办理退货。</translation>
    </message>
    <message>
        <source>Head office knows no return code {code}: check it, or start the return from the order.</source>
        <translation>总部没有退货码 {code}：请检查，或从订单开始办理退货。</translation>
    </message>
    <message>
        <source>Everything on return code {code} was already returned.</source>
        <translation>退货码 {code} 上的所有商品均已退货。</translation>
    </message>
    <message>
        <source>The order of return code {code} ({order}) is not in this store's records yet: sync, or start the return from the order.</source>
        <translation>退货码 {code} 的订单（{order}）尚未在本店记录中：请同步，或从订单开始办理退货。</translation>
    </message>
    <message>
        <source>Return code {code} names an item that is not on order {order}: start the return from the order.</source>
        <translation>退货码 {code} 中的商品不在订单 {order} 上：请从订单开始办理退货。</translation>
    </message>
    <message>
        <source>Return code {code}: {n} item(s) asked for online are picked. Scan each item; no barcode? Compare it with the catalog photo.</source>
        <translation>退货码 {code}：已选中网上申请退货的 {n} 件商品。请逐件扫描；没有条码？请与商品目录照片比对。</translation>
    </message>
    <message>
        <source>Return {ref} confirmed (return code {code}). Refund {total} to {tender}.</source>
        <translation>退货 {ref} 已确认（退货码 {code}）。退款 {total}，退至{tender}。</translation>
    </message>
    <message>
        <source>Asked online: {reason}.</source>
        <translation>网上申请：{reason}。</translation>
    </message>
    <message>
        <source>{item} does not match the catalog photo: it is not part of this return. Scan the right item, or return this one as any other.</source>
        <translation>{item} 与商品目录照片不符：不属于此次退货。请扫描正确的商品，或按普通退货办理此商品。</translation>
    </message>
    <message>
        <source>{item} checked against the catalog photo ✓</source>
        <translation>{item} 已与商品目录照片核对 ✓</translation>
    </message>
    <message>
        <source>{order} · return code {code}</source>
        <translation>{order} · 退货码 {code}</translation>
    </message>
    <message>
        <source>Return code</source>
        <translation>退货码</translation>
    </message>
    <message>
        <source>No barcode? Compare the item with the catalog photo.</source>
        <translation>没有条码？请将商品与目录照片比对。</translation>
    </message>
    <message>
        <source>&amp;Matches</source>
        <translation>相符(&amp;M)</translation>
    </message>
    <message>
        <source>The item is the one in the photo: it counts as checked (Alt+M)</source>
        <translation>商品与照片一致：视为已核对 (Alt+M)</translation>
    </message>
    <message>
        <source>&amp;Doesn't match</source>
        <translation>不相符(&amp;D)</translation>
    </message>
    <message>
        <source>Not the item in the photo: it leaves this return (Alt+D)</source>
        <translation>不是照片中的商品：从此次退货中移除 (Alt+D)</translation>
    </message>
    <message>
        <source>Loading photo…</source>
        <translation>正在加载照片…</translation>
    </message>
    <message>
        <source>No catalog photo for this item</source>
        <translation>此商品没有目录照片</translation>
    </message>
</context>
<context>
    <name>CreditDialog</name>
    <message>
        <source>A store-credit number has no check value: scan the voucher's barcode to check it.</source>
        <translation>店内余额码没有校验值：请扫描代金券条码进行核验。</translation>
    </message>
    <message>
        <source>Genuine, but not in this store's records (issued at another store, or not synced yet).</source>
        <translation>真实有效，但不在本店记录中（由其他门店发出，或尚未同步）。</translation>
    </message>
    <message>
        <source>Genuine: the check value matches this company's voucher.</source>
        <translation>真实有效：校验值与本公司代金券一致。</translation>
    </message>
    <message>
        <source>NOT genuine: do not accept this voucher; call a manager.</source>
        <translation>不是真券：请勿接受此代金券，并联系经理。</translation>
    </message>
    <message>
        <source>Store credit</source>
        <translation>店内余额</translation>
    </message>
    <message>
        <source>&amp;Voucher code</source>
        <translation>代金券编码(&amp;V)</translation>
    </message>
    <message>
        <source>Scan the voucher's barcode or type its code</source>
        <translation>扫描代金券条码或输入编码</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>面值</translation>
    </message>
    <message>
        <source>Spent</source>
        <translation>已使用</translation>
    </message>
    <message>
        <source>Left</source>
        <translation>余额</translation>
    </message>
    <message>
        <source>Check value</source>
        <translation>校验值</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>核验</translation>
    </message>
    <message>
        <source>Check the voucher (Enter)</source>
        <translation>核验代金券（回车）</translation>
    </message>
    <message>
        <source>Scan the voucher's barcode or type its code.</source>
        <translation>请扫描代金券条码或输入编码。</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在核验…</translation>
    </message>
</context>
<context>
    <name>HistoryDialog</name>
    <message>
        <source>No receipt</source>
        <translation>无收据</translation>
    </message>
    <message>
        <source>Returns history</source>
        <translation>退货记录</translation>
    </message>
    <message>
        <source>Return reference or order number</source>
        <translation>退货单号或订单号</translation>
    </message>
    <message>
        <source>Cashier (user name)</source>
        <translation>收银员(用户名)</translation>
    </message>
    <message>
        <source>Dates</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Search (Enter)</source>
        <translation>搜索(回车)</translation>
    </message>
    <message>
        <source>Reprint</source>
        <translation>重新打印</translation>
    </message>
    <message>
        <source>Print this receipt again (Ctrl+P)</source>
        <translation>再次打印此收据(Ctrl+P)</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>back on the shelf</source>
        <translation>重新上架</translation>
    </message>
    <message>
        <source>open-box shelf</source>
        <translation>开箱品货架</translation>
    </message>
    <message>
        <source>back to the vendor</source>
        <translation>退回供应商</translation>
    </message>
    <message>
        <source>scrap</source>
        <translation>报废</translation>
    </message>
    <message>
        <source>Reference</source>
        <translation>退货单号</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>订单</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>No return matches.</source>
        <translation>没有符合条件的退货。</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>顾客</translation>
    </message>
    <message>
        <source>Refund to</source>
        <translation>退款方式</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>Receipt {ref} sent to the printer.</source>
        <translation>收据 {ref} 已发送到打印机。</translation>
    </message>
    <message>
        <source>Returns found: {n}</source>
        <translation>找到退货:{n} 笔</translation>
    </message>
    <message>
        <source>fee</source>
        <translation>手续费</translation>
    </message>
    <message>
        <source>Store credit</source>
        <translation>店内余额</translation>
    </message>
    <message>
        <source>Line {n} approved by {manager}: {reason}</source>
        <translation>第 {n} 行由 {manager} 批准:{reason}</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <source>&amp;User</source>
        <translation>用户(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;PIN</source>
        <translation>密码(&amp;P)</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Sign in (Enter)</source>
        <translation>登录(回车)</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在验证…</translation>
    </message>
    <message>
        <source>Too many wrong PINs. This user is locked for a few minutes; try again later or ask an administrator.</source>
        <translation>密码错误次数过多。该用户已被锁定几分钟;请稍后再试或联系管理员。</translation>
    </message>
    <message>
        <source>Counter locked</source>
        <translation>柜台已锁定</translation>
    </message>
    <message>
        <source>Returns Counter</source>
        <translation>退货柜台</translation>
    </message>
    <message>
        <source>Sign in with your user name and PIN.</source>
        <translation>请输入用户名和密码登录。</translation>
    </message>
    <message>
        <source>Enter your user name and PIN.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <source>Wrong user name or PIN. Try again.</source>
        <translation>用户名或密码错误,请重试。</translation>
    </message>
    <message>
        <source>Wrong user name or PIN, or too many wrong PINs. Try again later or ask an administrator.</source>
        <translation>用户名或密码错误,或错误次数过多。请稍后再试或联系管理员。</translation>
    </message>
    <message>
        <source>The database cannot be reached. Check the connection and try again; if it persists, call support.</source>
        <translation>无法连接数据库。请检查连接后重试;如果问题持续,请联系技术支持。</translation>
    </message>
    <message>
        <source>{name} is signed in. Enter the PIN to continue where you left off.</source>
        <translation>{name} 已登录。输入密码即可从中断处继续。</translation>
    </message>
    <message>
        <source>&amp;Take over the return</source>
        <translation>接管退货(&amp;T)</translation>
    </message>
    <message>
        <source>Keep the return and finish it in your name</source>
        <translation>保留此退货并以您的名义完成</translation>
    </message>
    <message>
        <source>&amp;Discard the return</source>
        <translation>放弃退货(&amp;D)</translation>
    </message>
    <message>
        <source>Drop the unsaved return; the counter starts empty</source>
        <translation>丢弃未保存的退货；柜台从空白开始</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>As a manager you can take over the return {cashier} started (it is finished in your name) or discard it. Either is recorded in the audit trail.</source>
        <translation>作为经理，您可以接管 {cashier} 开始的退货（以您的名义完成），或放弃它。两种操作都会记入审计记录。</translation>
    </message>
    <message>
        <source>Your own approval on this return is dropped if you take it over: another manager approves that item again.</source>
        <translation>如果您接管此退货，您本人给出的批准将被取消：需由另一位经理重新批准该商品。</translation>
    </message>
    <message>
        <source>{name} has a return in progress.</source>
        <translation>{name} 有一笔正在处理的退货。</translation>
    </message>
    <message>
        <source>{manager} took over the return {cashier} started.</source>
        <translation>{manager} 已接管 {cashier} 开始的退货。</translation>
    </message>
    <message>
        <source>{manager} discarded the return {cashier} started.</source>
        <translation>{manager} 已放弃 {cashier} 开始的退货。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>This gift receipt was already used for a return; it cannot be used again.</source>
        <translation>此礼品收据已用于退货，不能再次使用。</translation>
    </message>
    <message>
        <source>The manager&apos;s approval belongs to another return</source>
        <translation>经理的批准属于另一笔退货</translation>
    </message>
    <message>
        <source>The manager&apos;s approval was given for another item, not this one</source>
        <translation>经理的批准是针对另一件商品的，不适用于此商品</translation>
    </message>
    <message>
        <source>The manager&apos;s approval no longer applies: quantity changed</source>
        <translation>经理的批准已失效：数量已更改</translation>
    </message>
    <message>
        <source>The manager&apos;s approval no longer applies: condition changed</source>
        <translation>经理的批准已失效：商品状况已更改</translation>
    </message>
    <message>
        <source>The manager&apos;s approval no longer applies: reason changed</source>
        <translation>经理的批准已失效：退货原因已更改</translation>
    </message>
    <message>
        <source>The manager&apos;s approval no longer applies: refund changed</source>
        <translation>经理的批准已失效：退款金额已更改</translation>
    </message>
    <message>
        <source>The manager&apos;s approval no longer applies: rules changed</source>
        <translation>经理的批准已失效：适用规则已更改</translation>
    </message>
    <message>
        <source>The camera read a code; the receipt stays on screen. Next customer: scan with the handheld scanner, type the number or press Ctrl+N.</source>
        <translation>摄像头读到了一个条码；收据仍显示在屏幕上。下一位顾客：请用手持扫描枪扫描、输入单号或按 Ctrl+N。</translation>
    </message>
    <message>
        <source>Store {store} · counter {counter}</source>
        <translation>门店 {store} · 柜台 {counter}</translation>
    </message>
    <message>
        <source>Reports, day close, returned stock, customer e-mails</source>
        <translation>报表、日结、退货库存、顾客电子邮件</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>报表</translation>
    </message>
    <message>
        <source>Close the day (Z-report)</source>
        <translation>日结(Z 报表)</translation>
    </message>
    <message>
        <source>Returned stock</source>
        <translation>退货库存</translation>
    </message>
    <message>
        <source>Customer e-mails</source>
        <translation>顾客电子邮件</translation>
    </message>
    <message>
        <source>Something went wrong talking to the database. Nothing was changed. Try again; if it keeps happening, call support.</source>
        <translation>与数据库通信时出错,没有做任何更改。请重试;如果问题持续,请联系技术支持。</translation>
    </message>
    <message>
        <source>Denied</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <source>Already returned</source>
        <translation>已退货</translation>
    </message>
    <message>
        <source>Not checked</source>
        <translation>未检查</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已批准</translation>
    </message>
    <message>
        <source>Returnable</source>
        <translation>可退货</translation>
    </message>
    <message>
        <source>Returnable, fee</source>
        <translation>可退,收费</translation>
    </message>
    <message>
        <source>Final sale</source>
        <translation>最终销售</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>需经理</translation>
    </message>
    <message>
        <source>Returns Counter</source>
        <translation>退货柜台</translation>
    </message>
    <message>
        <source>History</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Past returns, search and reprint (F6)</source>
        <translation>历史退货、搜索和重新打印(F6)</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Store, counter, language, printer (Ctrl+,)</source>
        <translation>门店、柜台、语言、打印机(Ctrl+,)</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>锁定</translation>
    </message>
    <message>
        <source>Lock the counter; the return in progress is kept (Ctrl+L)</source>
        <translation>锁定柜台;正在处理的退货会保留(Ctrl+L)</translation>
    </message>
    <message>
        <source>1  Scan the order, then each item</source>
        <translation>1  扫描订单,再逐件扫描商品</translation>
    </message>
    <message>
        <source>Scan or type the order number, then press Enter</source>
        <translation>扫描或输入订单号,然后按回车</translation>
    </message>
    <message>
        <source>Scan or type here (F3). Scanning works anywhere.</source>
        <translation>在此扫描或输入(F3)。在任何位置都可以扫描。</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Find the order by phone, e-mail, card or date (F2)</source>
        <translation>按电话、电子邮件、银行卡或日期查找订单(F2)</translation>
    </message>
    <message>
        <source>With an order open, scanning a product checks it against the order.</source>
        <translation>打开订单后,扫描商品会与订单核对。</translation>
    </message>
    <message>
        <source>Camera preview</source>
        <translation>摄像头预览</translation>
    </message>
    <message>
        <source>2  Order</source>
        <translation>2  订单</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>订单</translation>
    </message>
    <message>
        <source>Bought</source>
        <translation>购买时间</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>顾客</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Paid with</source>
        <translation>付款方式</translation>
    </message>
    <message>
        <source>Arrows pick a line; Enter adds it to the return without scanning (Ctrl+Ins)</source>
        <translation>方向键选择一行;回车不扫描直接加入退货(Ctrl+Ins)</translation>
    </message>
    <message>
        <source>3  Check the item</source>
        <translation>3  检查商品</translation>
    </message>
    <message>
        <source>&amp;Quantity</source>
        <translation>数量(&amp;Q)</translation>
    </message>
    <message>
        <source>Up and Down arrows change the quantity</source>
        <translation>用上下方向键修改数量</translation>
    </message>
    <message>
        <source>S&amp;erial no.</source>
        <translation>序列号(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Reason</source>
        <translation>原因(&amp;R)</translation>
    </message>
    <message>
        <source>C&amp;ondition</source>
        <translation>状况(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Notes</source>
        <translation>备注(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Feedback</source>
        <translation>反馈(&amp;F)</translation>
    </message>
    <message>
        <source>No photo</source>
        <translation>无照片</translation>
    </message>
    <message>
        <source>A photo of the item appears here once the camera is set up</source>
        <translation>设置好摄像头后,商品照片会显示在这里</translation>
    </message>
    <message>
        <source>Scan or type the serial number</source>
        <translation>扫描或输入序列号</translation>
    </message>
    <message>
        <source>Pick the customer's reason</source>
        <translation>选择顾客的退货原因</translation>
    </message>
    <message>
        <source>Pick the item's condition</source>
        <translation>选择商品状况</translation>
    </message>
    <message>
        <source>What you see on the item (optional)</source>
        <translation>您在商品上看到的情况(可选)</translation>
    </message>
    <message>
        <source>What could we have done better? (optional)</source>
        <translation>我们哪些地方可以做得更好?(可选)</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>加入</translation>
    </message>
    <message>
        <source>Add this line without scanning (Enter on the line, Ctrl+Ins)</source>
        <translation>不扫描直接加入此行(在该行按回车,Ctrl+Ins)</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Take this line out of the return (Ctrl+Del)</source>
        <translation>将此行移出退货(Ctrl+Del)</translation>
    </message>
    <message>
        <source>Manager override…</source>
        <translation>经理特批…</translation>
    </message>
    <message>
        <source>A manager approves this line with their PIN (F4)</source>
        <translation>由经理输入密码批准此行(F4)</translation>
    </message>
    <message>
        <source>4  Refund</source>
        <translation>4  退款</translation>
    </message>
    <message>
        <source>Total refund</source>
        <translation>退款总额</translation>
    </message>
    <message>
        <source>Refund &amp;to</source>
        <translation>退款方式(&amp;T)</translation>
    </message>
    <message>
        <source>Confirm return</source>
        <translation>确认退货</translation>
    </message>
    <message>
        <source>Confirm and print the receipt (F9 or Ctrl+Enter)</source>
        <translation>确认并打印收据(F9 或 Ctrl+Enter)</translation>
    </message>
    <message>
        <source>5  Return confirmed</source>
        <translation>5  退货已确认</translation>
    </message>
    <message>
        <source>Reprint</source>
        <translation>重新打印</translation>
    </message>
    <message>
        <source>Print the receipt again</source>
        <translation>再次打印收据</translation>
    </message>
    <message>
        <source>Next customer: just scan their order, or press Ctrl+N for an empty screen.</source>
        <translation>下一位顾客:直接扫描其订单,或按 Ctrl+N 清空屏幕。</translation>
    </message>
    <message>
        <source>New return</source>
        <translation>新退货</translation>
    </message>
    <message>
        <source>Clear the screen for the next customer (Ctrl+N)</source>
        <translation>为下一位顾客清空屏幕(Ctrl+N)</translation>
    </message>
    <message>
        <source>Something unexpected went wrong on this screen. The return in progress is kept; try again, and if it keeps happening call support.</source>
        <translation>此界面出现意外错误。正在处理的退货已保留;请重试,如果问题持续,请联系技术支持。</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <source>Original payment</source>
        <translation>原支付方式</translation>
    </message>
    <message>
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <source>Store credit</source>
        <translation>店内余额</translation>
    </message>
    <message>
        <source>Exchange</source>
        <translation>换货</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>银行卡</translation>
    </message>
    <message>
        <source>Gift card</source>
        <translation>礼品卡</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>线上</translation>
    </message>
    <message>
        <source>In store</source>
        <translation>门店</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Sold / returned</source>
        <translation>售出 / 已退</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>实付</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因说明</translation>
    </message>
    <message>
        <source>This store has no staff accounts yet. An administrator creates the first one with: counter-app users add NAME --role admin</source>
        <translation>本店还没有员工账户。请管理员用以下命令创建第一个账户:counter-app users add NAME --role admin</translation>
    </message>
    <message>
        <source>Nothing was scanned. Scan the barcode or type the number.</source>
        <translation>没有扫描到内容。请扫描条码或输入号码。</translation>
    </message>
    <message>
        <source>This line does not need a manager: nothing to override.</source>
        <translation>此行不需要经理批准,无需特批。</translation>
    </message>
    <message>
        <source>Nothing to refund yet.</source>
        <translation>暂无退款。</translation>
    </message>
    <message>
        <source>needs a manager's approval (F4).</source>
        <translation>需要经理批准(F4)。</translation>
    </message>
    <message>
        <source>pick a reason and a condition.</source>
        <translation>请选择原因和状况。</translation>
    </message>
    <message>
        <source>cannot be returned — remove it (Ctrl+Del).</source>
        <translation>不能退货 — 请移除(Ctrl+Del)。</translation>
    </message>
    <message>
        <source>A return is in progress. Press Ctrl+N again to discard it.</source>
        <translation>有一笔退货正在处理。再按一次 Ctrl+N 将放弃它。</translation>
    </message>
    <message>
        <source>Finish or clear the return in progress (Ctrl+N) before opening another order.</source>
        <translation>请先完成或清除正在处理的退货(Ctrl+N),再打开其他订单。</translation>
    </message>
    <message>
        <source>Only a manager or an administrator can change the settings.</source>
        <translation>只有经理或管理员可以修改设置。</translation>
    </message>
    <message>
        <source>No order {code} in this store's records. Check the number, or search by phone, e-mail or card (F2).</source>
        <translation>本店记录中没有订单 {code}。请核对号码,或按电话、电子邮件或银行卡搜索(F2)。</translation>
    </message>
    <message>
        <source>The item {code} is not on this order. Check you scanned the right item or the right order.</source>
        <translation>商品 {code} 不在此订单中。请确认扫描的商品或订单是否正确。</translation>
    </message>
    <message>
        <source>This item was already returned.</source>
        <translation>此商品已经退过货。</translation>
    </message>
    <message>
        <source>That input was not accepted:</source>
        <translation>输入未被接受:</translation>
    </message>
    <message>
        <source>Returns · store {store} · counter {counter}</source>
        <translation>退货 · 门店 {store} · 柜台 {counter}</translation>
    </message>
    <message>
        <source>{name} has a return in progress. Only {name} can unlock this counter.</source>
        <translation>{name} 有一笔正在处理的退货。只有 {name} 可以解锁此柜台。</translation>
    </message>
    <message>
        <source>No customer on file</source>
        <translation>无顾客资料</translation>
    </message>
    <message>
        <source>All {n} already returned.</source>
        <translation>全部 {n} 件已退货。</translation>
    </message>
    <message>
        <source>Within the return window.</source>
        <translation>在退货期限内。</translation>
    </message>
    <message>
        <source>Not in this return. Scan the item, or press Add.</source>
        <translation>不在本次退货中。请扫描商品,或按“加入”。</translation>
    </message>
    <message>
        <source>Already returned in full.</source>
        <translation>已全部退货。</translation>
    </message>
    <message>
        <source>Item scanned and matches the order ✓</source>
        <translation>商品已扫描,与订单相符 ✓</translation>
    </message>
    <message>
        <source>Added without scanning</source>
        <translation>未扫描,手动加入</translation>
    </message>
    <message>
        <source>Pick a reason and a condition to check this item against the policy.</source>
        <translation>选择原因和状况,以按退货政策检查此商品。</translation>
    </message>
    <message>
        <source>Approved by {manager}.</source>
        <translation>已由 {manager} 批准。</translation>
    </message>
    <message>
        <source>Fees deducted: {fees}</source>
        <translation>已扣除手续费:{fees}</translation>
    </message>
    <message>
        <source>Return {ref} confirmed. Refund {total} to {tender}.</source>
        <translation>退货 {ref} 已确认。退款 {total},退至{tender}。</translation>
    </message>
    <message>
        <source>Signed in: {name}</source>
        <translation>当前用户:{name}</translation>
    </message>
    <message>
        <source>Approved by {manager}: {reason}.</source>
        <translation>已由 {manager} 批准:{reason}。</translation>
    </message>
    <message>
        <source>Scan an item of the order, or pick a line and press Enter.</source>
        <translation>请扫描订单中的商品,或选择一行后按回车。</translation>
    </message>
    <message>
        <source>Scan the order's barcode or type its number to begin.</source>
        <translation>扫描订单条码或输入订单号开始。</translation>
    </message>
    <message>
        <source>Before inspection:</source>
        <translation>检查前:</translation>
    </message>
    <message>
        <source>The return cannot be confirmed yet:</source>
        <translation>退货暂时无法确认:</translation>
    </message>
    <message>
        <source>Reference</source>
        <translation>退货单号</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Refund to</source>
        <translation>退款方式</translation>
    </message>
    <message>
        <source>Receipt {ref} sent to the printer.</source>
        <translation>收据 {ref} 已发送到打印机。</translation>
    </message>
    <message>
        <source>Store credit code</source>
        <translation>店内余额码</translation>
    </message>
    <message>
        <source>(fee {fee})</source>
        <translation>(手续费 {fee})</translation>
    </message>
    <message>
        <source>{name} has a return in progress. Only {name} or a manager can unlock this counter.</source>
        <translation>{name} 有一笔正在处理的退货。只有 {name} 或经理可以解锁此柜台。</translation>
    </message>
    <message>
        <source>Reports, day close, returned stock, customer e-mails (Ctrl+M)</source>
        <translation>报表、日结、退货库存、顾客电子邮件 (Ctrl+M)</translation>
    </message>
</context>
<context>
    <name>OverrideDialog</name>
    <message>
        <source>Manager override</source>
        <translation>经理特批</translation>
    </message>
    <message>
        <source>&amp;Manager</source>
        <translation>经理(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;PIN</source>
        <translation>密码(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Reason</source>
        <translation>原因(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Note</source>
        <translation>备注(&amp;N)</translation>
    </message>
    <message>
        <source>Optional, e.g. what the customer told you</source>
        <translation>可选,例如顾客的说明</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>批准</translation>
    </message>
    <message>
        <source>Approve this line (Enter in the note field)</source>
        <translation>批准此行(在备注栏按回车)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在验证…</translation>
    </message>
    <message>
        <source>Too many wrong PINs: this manager is locked out for a few minutes. Ask another manager.</source>
        <translation>密码错误次数过多:该经理已被锁定几分钟。请找另一位经理。</translation>
    </message>
    <message>
        <source>Customer goodwill</source>
        <translation>顾客关怀</translation>
    </message>
    <message>
        <source>Our mistake (store or delivery)</source>
        <translation>我方失误(门店或配送)</translation>
    </message>
    <message>
        <source>Exception to the policy</source>
        <translation>政策例外</translation>
    </message>
    <message>
        <source>Manager's discretion</source>
        <translation>经理酌情决定</translation>
    </message>
    <message>
        <source>The manager enters their user name and PIN.</source>
        <translation>请经理输入自己的用户名和密码。</translation>
    </message>
    <message>
        <source>Wrong user name or PIN. Try again.</source>
        <translation>用户名或密码错误,请重试。</translation>
    </message>
    <message>
        <source>Wrong user name or PIN, or too many wrong PINs. Try again later or ask an administrator.</source>
        <translation>用户名或密码错误,或错误次数过多。请稍后再试或联系管理员。</translation>
    </message>
    <message>
        <source>Manager approval for: {item}</source>
        <translation>经理批准:{item}</translation>
    </message>
    <message>
        <source>Ask another manager.</source>
        <translation>请找另一位经理。</translation>
    </message>
    <message>
        <source>A manager other than {cashier} signs in here.</source>
        <translation>请由 {cashier} 以外的经理在此登录。</translation>
    </message>
    <message>
        <source>You cannot approve your own return. Ask another manager to sign in here.</source>
        <translation>您不能批准自己的退货。请另一位经理在此登录。</translation>
    </message>
    <message>
        <source>The database cannot be reached. Nothing was approved; try again.</source>
        <translation>无法连接数据库,未批准任何内容;请重试。</translation>
    </message>
    <message>
        <source>This approval was refused:</source>
        <translation>批准被拒绝:</translation>
    </message>
</context>
<context>
    <name>PolicyLabel</name>
    <message>
        <source>New, unopened</source>
        <translation>全新未拆封</translation>
    </message>
    <message>
        <source>Like new (opened, complete)</source>
        <translation>近全新(已拆封,配件齐全)</translation>
    </message>
    <message>
        <source>Opened / used once</source>
        <translation>已拆封 / 用过一次</translation>
    </message>
    <message>
        <source>Used</source>
        <translation>已使用</translation>
    </message>
    <message>
        <source>Damaged by customer</source>
        <translation>顾客损坏</translation>
    </message>
    <message>
        <source>Defective</source>
        <translation>有缺陷</translation>
    </message>
    <message>
        <source>Defective / does not work</source>
        <translation>有缺陷 / 无法使用</translation>
    </message>
    <message>
        <source>Wrong size or fit</source>
        <translation>尺码或版型不合适</translation>
    </message>
    <message>
        <source>Not as described</source>
        <translation>与描述不符</translation>
    </message>
    <message>
        <source>Changed mind</source>
        <translation>改变主意</translation>
    </message>
    <message>
        <source>Arrived late</source>
        <translation>送达太晚</translation>
    </message>
    <message>
        <source>Damaged in transit</source>
        <translation>运输途中损坏</translation>
    </message>
    <message>
        <source>Wrong item sent</source>
        <translation>发错商品</translation>
    </message>
</context>
<context>
    <name>PolicyReason</name>
    <message>
        <source>Return total {total} is over {threshold}: a manager must approve.</source>
        <translation>整笔退货合计 {total} 超过 {threshold}:须经理批准。</translation>
    </message>
    <message>
        <source>The whole return refunds {total}, not below the cash limit of {threshold}: no cash refund.</source>
        <translation>整笔退货退款 {total},未低于现金上限 {threshold}:不可退现金。</translation>
    </message>
    <message>
        <source>Only {cash_left} of the cash paid is left to refund on this order: no cash refund of {total}.</source>
        <translation>该订单已付现金中仅剩 {cash_left} 可退:无法以现金退款 {total}。</translation>
    </message>
    <message>
        <source>The order could not be found; nothing can be refunded against it.</source>
        <translation>找不到该订单,无法据此退款。</translation>
    </message>
    <message>
        <source>The order was paid in {currency}, but this store's policy is in {policy_currency}.</source>
        <translation>该订单以 {currency} 支付,但本店政策使用 {policy_currency}。</translation>
    </message>
    <message>
        <source>Quantity to return must be at least 1 (asked: {requested}).</source>
        <translation>退货数量至少为 1(请求:{requested})。</translation>
    </message>
    <message>
        <source>Only {remaining} of {sold} can still be returned ({returned} already returned); asked to return {requested}.</source>
        <translation>售出 {sold} 件中仅剩 {remaining} 件可退(已退 {returned} 件);请求退 {requested} 件。</translation>
    </message>
    <message>
        <source>Refund of {refund} would be more than the {remaining_paid} still unrefunded on this line.</source>
        <translation>退款 {refund} 将超过此行尚未退款的 {remaining_paid}。</translation>
    </message>
    <message>
        <source>{category} items cannot be returned.</source>
        <translation>{category} 类商品不能退货。</translation>
    </message>
    <message>
        <source>This item was sold as final sale and cannot be returned.</source>
        <translation>此商品为最终销售商品,不能退货。</translation>
    </message>
    <message>
        <source>Bought {days_ago} days ago; {category} can be returned within {window_days} days (last day was {deadline}).</source>
        <translation>{days_ago} 天前购买;{category} 类商品须在 {window_days} 天内退货(最后一天为 {deadline})。</translation>
    </message>
    <message>
        <source>Bought during {holiday}: returnable until {deadline}.</source>
        <translation>在{holiday}期间购买:可退货至 {deadline}。</translation>
    </message>
    <message>
        <source>{tier} member: {extra_days} extra days to return, until {deadline}.</source>
        <translation>{tier} 会员:退货期延长 {extra_days} 天,至 {deadline}。</translation>
    </message>
    <message>
        <source>{category} items cannot be returned without the order or receipt.</source>
        <translation>{category} 类商品没有订单或收据不能退货。</translation>
    </message>
    <message>
        <source>Returns without a receipt are not accepted.</source>
        <translation>不接受无收据退货。</translation>
    </message>
    <message>
        <source>No receipt: store credit only, at the lowest price of the last {days} days ({price} each).</source>
        <translation>无收据:只能退店内余额,按最近 {days} 天最低价计算(每件 {price})。</translation>
    </message>
    <message>
        <source>Customer has made {count} returns without receipt worth {value} in the last {period_days} days, this one included; the limit is {max_count} returns and {max_value}.</source>
        <translation>该顾客最近 {period_days} 天内(含本次)已有 {count} 笔无收据退货,共 {value};上限为 {max_count} 笔、{max_value}。</translation>
    </message>
    <message>
        <source>{category} items in condition '{condition}' cannot be returned.</source>
        <translation>状况为“{condition}”的 {category} 类商品不能退货。</translation>
    </message>
    <message>
        <source>The item was damaged by the customer.</source>
        <translation>商品被顾客损坏。</translation>
    </message>
    <message>
        <source>Return reason '{reason}' is not in the policy's list.</source>
        <translation>退货原因“{reason}”不在政策列表中。</translation>
    </message>
    <message>
        <source>Serial number {presented} does not match the one sold ({sold}).</source>
        <translation>序列号 {presented} 与售出的序列号({sold})不符。</translation>
    </message>
    <message>
        <source>This product has a serial number; it was not scanned or is not on the order.</source>
        <translation>此商品有序列号;未扫描序列号或订单中没有记录。</translation>
    </message>
    <message>
        <source>Restocking fee of {fee} for {condition} {category} items ({percent}%, at least {minimum} each).</source>
        <translation>{condition} 的 {category} 类商品收取 {fee} 的重新上架费({percent}%,每件至少 {minimum})。</translation>
    </message>
    <message>
        <source>Defective: accepted without fee and sent back to the vendor.</source>
        <translation>有缺陷:免费接受退货并退回供应商。</translation>
    </message>
    <message>
        <source>Refund {refund} is below {threshold}: approved on the fast path.</source>
        <translation>退款 {refund} 低于 {threshold}:快速通道自动批准。</translation>
    </message>
    <message>
        <source>Refund {refund} is above {threshold}: a manager must approve.</source>
        <translation>退款 {refund} 高于 {threshold}:须经理批准。</translation>
    </message>
    <message>
        <source>Customer has made {count} returns in the last {days} days, this one included; more than {limit} needs a manager.</source>
        <translation>该顾客最近 {days} 天内(含本次)已退货 {count} 次;超过 {limit} 次须经理批准。</translation>
    </message>
</context>
<context>
    <name>ReceiptlessDialog</name>
    <message>
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>可以退货</translation>
    </message>
    <message>
        <source>Approved by a manager</source>
        <translation>经理已批准</translation>
    </message>
    <message>
        <source>Needs a manager</source>
        <translation>需要经理批准</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <source>Refused (a manager may allow it)</source>
        <translation>拒绝(经理可以破例批准)</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Lowest price</source>
        <translation>最低价</translation>
    </message>
    <message>
        <source>Reason / condition</source>
        <translation>原因 / 状况</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Store credit</source>
        <translation>店内余额</translation>
    </message>
    <message>
        <source>Return without a receipt</source>
        <translation>无收据退货</translation>
    </message>
    <message>
        <source>1  Who is returning?</source>
        <translation>1  退货顾客是谁?</translation>
    </message>
    <message>
        <source>&amp;Phone or e-mail</source>
        <translation>电话或电子邮件(&amp;P)</translation>
    </message>
    <message>
        <source>Required: the customer&apos;s phone number or e-mail</source>
        <translation>必填:顾客的电话号码或电子邮件</translation>
    </message>
    <message>
        <source>&amp;ID document</source>
        <translation>证件号码(&amp;I)</translation>
    </message>
    <message>
        <source>Optional: ID number (only a keyed hash is kept)</source>
        <translation>选填:证件号码(只保存加密哈希值)</translation>
    </message>
    <message>
        <source>Identify (Enter)</source>
        <translation>识别顾客(Enter)</translation>
    </message>
    <message>
        <source>2  Scan each item</source>
        <translation>2  逐件扫描商品</translation>
    </message>
    <message>
        <source>Scan or type the product barcode, then Enter</source>
        <translation>扫描或输入商品条码,然后按 Enter</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove (Ctrl+Del)</source>
        <translation>移除(Ctrl+Del)</translation>
    </message>
    <message>
        <source>Manager approval (F4)</source>
        <translation>经理批准(F4)</translation>
    </message>
    <message>
        <source>Give store credit (F9)</source>
        <translation>退为店内余额(F9)</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Enter the customer&apos;s phone number or e-mail first.</source>
        <translation>请先输入顾客的电话号码或电子邮件。</translation>
    </message>
    <message>
        <source>Looking up the customer…</source>
        <translation>正在查找顾客…</translation>
    </message>
    <message>
        <source>This item needs no approval, or none can be given.</source>
        <translation>此商品无需批准,或不能批准。</translation>
    </message>
    <message>
        <source>Saving the return…</source>
        <translation>正在保存退货…</translation>
    </message>
    <message>
        <source>Return {ref} done: {amount} in store credit, voucher {code}.</source>
        <translation>退货 {ref} 已完成:店内余额 {amount},凭证 {code}。</translation>
    </message>
    <message>
        <source>Scan at least one item.</source>
        <translation>请至少扫描一件商品。</translation>
    </message>
    <message>
        <source>Not yet: {items} — remove them, or a manager approves (F4).</source>
        <translation>尚不能确认:{items} — 请移除,或由经理批准(F4)。</translation>
    </message>
    <message>
        <source>Store credit: {total} (lowest price of the last {days} days)</source>
        <translation>店内余额:{total}(最近 {days} 天的最低价)</translation>
    </message>
    <message>
        <source>Not identified yet.</source>
        <translation>尚未识别顾客。</translation>
    </message>
    <message>
        <source>{name}: {count} earlier returns without a receipt.</source>
        <translation>{name}:此前已有 {count} 次无收据退货。</translation>
    </message>
    <message>
        <source>No receipt</source>
        <translation>无收据</translation>
    </message>
    <message>
        <source>A return without a receipt or order: store credit only (F5)</source>
        <translation>没有收据或订单的退货:只能退店内余额(F5)</translation>
    </message>
</context>
<context>
    <name>SearchDialog</name>
    <message>
        <source>Find an order</source>
        <translation>查找订单</translation>
    </message>
    <message>
        <source>&amp;Phone</source>
        <translation>电话(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;E-mail</source>
        <translation>电子邮件(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Card last 4</source>
        <translation>卡号后4位(&amp;C)</translation>
    </message>
    <message>
        <source>Bought &amp;on</source>
        <translation>购买日期(&amp;O)</translation>
    </message>
    <message>
        <source>by date</source>
        <translation>按日期</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Search (Enter in any field)</source>
        <translation>搜索(在任一栏按回车)</translation>
    </message>
    <message>
        <source>Enter opens the order</source>
        <translation>按回车打开订单</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>订单</translation>
    </message>
    <message>
        <source>Bought</source>
        <translation>购买时间</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>顾客</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Paid with</source>
        <translation>付款方式</translation>
    </message>
    <message>
        <source>No order matches. Check the details and try again.</source>
        <translation>没有匹配的订单。请核对信息后重试。</translation>
    </message>
    <message>
        <source>Orders found: {n}. Pick one and press Enter.</source>
        <translation>找到订单:{n} 个。选择一个后按回车。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Test camera…</source>
        <translation>测试摄像头…</translation>
    </message>
    <message>
        <source>Live picture and decoded codes from the camera typed above</source>
        <translation>显示上面所填摄像头的实时画面和读到的条码</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从不</translation>
    </message>
    <message>
        <source>device number, video file or stream URL</source>
        <translation>设备编号、视频文件或视频流地址</translation>
    </message>
    <message>
        <source>Printer examples: usb://04b8:0202, tcp://192.168.1.50:9100, serial:///dev/ttyUSB0?baudrate=19200, cups://QUEUE, preview://. Camera: 0 for the first webcam, or a stream URL.</source>
        <translation>打印机示例:usb://04b8:0202、tcp://192.168.1.50:9100、serial:///dev/ttyUSB0?baudrate=19200、cups://QUEUE、preview://。摄像头:0 表示第一个摄像头,或填写视频流地址。</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>&amp;Store code</source>
        <translation>门店代码(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Counter code</source>
        <translation>柜台代码(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Lock after idle (minutes)</source>
        <translation>空闲后锁定(分钟)(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Printer</source>
        <translation>打印机(&amp;P)</translation>
    </message>
    <message>
        <source>C&amp;amera</source>
        <translation>摄像头(&amp;A)</translation>
    </message>
    <message>
        <source>The printer is a connection string like tcp://HOST:9100.</source>
        <translation>打印机需填写连接字符串,例如 tcp://HOST:9100。</translation>
    </message>
    <message>
        <source>Store and counter codes are letters, digits and dashes.</source>
        <translation>门店和柜台代码只能包含字母、数字和短横线。</translation>
    </message>
    <message>
        <source>The settings could not be saved: {error}</source>
        <translation>设置无法保存:{error}</translation>
    </message>
    <message>
        <source>Print test page</source>
        <translation>打印测试页</translation>
    </message>
    <message>
        <source>Print a test page on the printer typed above</source>
        <translation>在上面填写的打印机上打印测试页</translation>
    </message>
    <message>
        <source>Printing the test page…</source>
        <translation>正在打印测试页…</translation>
    </message>
    <message>
        <source>Test page printed.</source>
        <translation>测试页已打印。</translation>
    </message>
    <message>
        <source>The test page did not print: {reason}</source>
        <translation>测试页未能打印:{reason}</translation>
    </message>
    <message>
        <source>No camera</source>
        <translation>无摄像头</translation>
    </message>
    <message>
        <source>{name} (camera {n})</source>
        <translation>{name}(摄像头 {n})</translation>
    </message>
    <message>
        <source>Video file or stream URL…</source>
        <translation>视频文件或视频流地址…</translation>
    </message>
    <message>
        <source>Camera {n} (not connected)</source>
        <translation>摄像头 {n}(未连接)</translation>
    </message>
    <message>
        <source>video file or stream URL</source>
        <translation>视频文件或视频流地址</translation>
    </message>
    <message>
        <source>The cameras connected to this computer</source>
        <translation>连接到这台电脑的摄像头</translation>
    </message>
    <message>
        <source>Cameras found by trying device numbers 0–3 (Qt Multimedia is missing)</source>
        <translation>通过逐一尝试设备编号 0–3 找到的摄像头(缺少 Qt Multimedia)</translation>
    </message>
    <message>
        <source>Live picture and decoded codes from the camera chosen above</source>
        <translation>显示上面所选摄像头的实时画面和读到的条码</translation>
    </message>
    <message>
        <source>Printer examples: usb://04b8:0202, tcp://192.168.1.50:9100, serial:///dev/ttyUSB0?baudrate=19200, cups://QUEUE, preview://.</source>
        <translation>打印机示例:usb://04b8:0202、tcp://192.168.1.50:9100、serial:///dev/ttyUSB0?baudrate=19200、cups://QUEUE、preview://。</translation>
    </message>
    <message>
        <source>Receipt &amp;width</source>
        <translation>小票纸宽(&amp;W)</translation>
    </message>
    <message>
        <source>Store cop&amp;y</source>
        <translation>门店联(&amp;Y)</translation>
    </message>
    <message>
        <source>E-mail se&amp;nder</source>
        <translation>邮件发件人(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Head office address</source>
        <translation>总部地址(&amp;H)</translation>
    </message>
    <message>
        <source>Head office &amp;key</source>
        <translation>总部密钥(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;Mail server</source>
        <translation>邮件服务器(&amp;M)</translation>
    </message>
    <message>
        <source>{mm} mm</source>
        <translation>{mm} 毫米</translation>
    </message>
    <message>
        <source>Print a second receipt for the store</source>
        <translation>为门店另打一张小票</translation>
    </message>
    <message>
        <source>(set) — type a new key to replace it</source>
        <translation>(已设置)— 输入新密钥可替换</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>未设置</translation>
    </message>
</context>
<context>
    <name>Widgets</name>
    <message>
        <source>Dismiss (Esc)</source>
        <translation>关闭(Esc)</translation>
    </message>
</context>
<context>
    <name>PrintPanel</name>
    <message>
        <source>Shelf label</source>
        <translation>货架标签</translation>
    </message>
    <message>
        <source>Day summary (Z-report)</source>
        <translation>日结汇总(Z 报表)</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>Printer: {state}</source>
        <translation>打印机:{state}</translation>
    </message>
    <message>
        <source>Print queue: click to see the jobs, retry or reprint.</source>
        <translation>打印队列:点击查看任务、重试或重新打印。</translation>
    </message>
    <message>
        <source>Receipt (store copy)</source>
        <translation>收据(门店联)</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>收据</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>正在打印…</translation>
    </message>
    <message>
        <source>Print queue</source>
        <translation>打印队列</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Send this waiting or failed job to the printer now</source>
        <translation>立即将此等待中或失败的任务发送到打印机</translation>
    </message>
    <message>
        <source>Reprint</source>
        <translation>重新打印</translation>
    </message>
    <message>
        <source>Print this receipt again as a new job</source>
        <translation>作为新任务再次打印此收据</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>The print queue cannot be reached. Try again.</source>
        <translation>无法访问打印队列。请重试。</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>printing</source>
        <translation>打印中</translation>
    </message>
    <message>
        <source>printed</source>
        <translation>已打印</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Return / item</source>
        <translation>退货单 / 商品</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Tries</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>{n} failed</source>
        <translation>{n} 个失败</translation>
    </message>
    <message>
        <source>A job failed and may be incomplete: click to see it and reprint.</source>
        <translation>有打印任务失败,可能不完整:点击查看并重新打印。</translation>
    </message>
    <message>
        <source>{n} waiting</source>
        <translation>{n} 个待打印</translation>
    </message>
    <message>
        <source>Job {id} is back in line.</source>
        <translation>任务 {id} 已重新排队。</translation>
    </message>
    <message>
        <source>Receipt {ref} queued again.</source>
        <translation>收据 {ref} 已再次排队。</translation>
    </message>
    <message>
        <source>Printed {when}</source>
        <translation>已于 {when} 打印</translation>
    </message>
    <message>
        <source>Job {id} printed.</source>
        <translation>任务 {id} 已打印。</translation>
    </message>
    <message>
        <source>Not printing · {n} waiting</source>
        <translation>未能打印 · {n} 个待打印</translation>
    </message>
    <message>
        <source>Not printing</source>
        <translation>未能打印</translation>
    </message>
    <message>
        <source>Not tried yet</source>
        <translation>尚未试过</translation>
    </message>
    <message>
        <source>Nothing was sent to this printer yet: print a test page in Settings.</source>
        <translation>尚未向此打印机发送过任何内容：可在“设置”中打印测试页。</translation>
    </message>
    <message>
        <source>Printed at</source>
        <translation>打印时间</translation>
    </message>
</context>
<context>
    <name>PrintAlert</name>
    <message>
        <source>Reprint</source>
        <translation>重新打印</translation>
    </message>
    <message>
        <source>Send this receipt to the printer again (Ctrl+P)</source>
        <translation>将此小票再次发送到打印机 (Ctrl+P)</translation>
    </message>
    <message>
        <source>Open print queue</source>
        <translation>打开打印队列</translation>
    </message>
    <message>
        <source>Every print job, why it waits, Retry (Ctrl+Shift+P)</source>
        <translation>所有打印任务、等待原因及重试 (Ctrl+Shift+P)</translation>
    </message>
    <message>
        <source>Dismiss: the receipt stays in the print queue</source>
        <translation>关闭：小票仍留在打印队列中</translation>
    </message>
    <message>
        <source>The receipt for {ref} may be incomplete: {reason}</source>
        <translation>{ref} 的小票可能打印不完整：{reason}</translation>
    </message>
    <message>
        <source>The receipt for {ref} did not print: {reason}</source>
        <translation>{ref} 的小票未能打印：{reason}</translation>
    </message>
    <message>
        <source>no reason given</source>
        <translation>未提供原因</translation>
    </message>
    <message>
        <source>The return is saved. Reprint once the printer is on.</source>
        <translation>退货已保存。打印机开启后请重新打印。</translation>
    </message>
    <message>
        <source>Sending the receipt for {ref} again…</source>
        <translation>正在重新发送 {ref} 的小票…</translation>
    </message>
    <message>
        <source>The print queue cannot be reached.</source>
        <translation>无法访问打印队列。</translation>
    </message>
</context>
<context>
    <name>SyncPanel</name>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Head office is not configured for this store. Ask support to set it up.</source>
        <translation>本店尚未配置总部连接。请联系技术支持设置。</translation>
    </message>
    <message>
        <source>Sync: …</source>
        <translation>同步:…</translation>
    </message>
    <message>
        <source>{n} waiting · last sync {when}</source>
        <translation>{n} 条待同步 · 上次同步 {when}</translation>
    </message>
    <message>
        <source>Head office sync: click for details, Sync now and problems to resolve.</source>
        <translation>总部同步:点击查看详情、立即同步和待处理问题。</translation>
    </message>
    <message>
        <source>Head office sync</source>
        <translation>总部同步</translation>
    </message>
    <message>
        <source>Sync status</source>
        <translation>同步状态</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Send the waiting messages and fetch head office's updates</source>
        <translation>发送待同步消息并获取总部的更新</translation>
    </message>
    <message>
        <source>Messages head office rejected</source>
        <translation>总部拒绝的消息</translation>
    </message>
    <message>
        <source>How it was resolved, e.g. refunded online, customer called</source>
        <translation>如何处理的,例如:已在线退款、已联系顾客</translation>
    </message>
    <message>
        <source>Resolve</source>
        <translation>处理</translation>
    </message>
    <message>
        <source>A manager closes the selected problem with a note</source>
        <translation>由经理填写备注并关闭所选问题</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Syncing with head office…</source>
        <translation>正在与总部同步…</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在核对…</translation>
    </message>
    <message>
        <source>Messages waiting</source>
        <translation>待同步消息</translation>
    </message>
    <message>
        <source>Last successful sync</source>
        <translation>上次成功同步</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>上次错误</translation>
    </message>
    <message>
        <source>Problems to resolve</source>
        <translation>待处理问题</translation>
    </message>
    <message>
        <source>Next automatic sync</source>
        <translation>下次自动同步</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>&amp;Manager</source>
        <translation>经理(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;PIN</source>
        <translation>PIN(&amp;P)</translation>
    </message>
    <message>
        <source>N&amp;ote</source>
        <translation>备注(&amp;O)</translation>
    </message>
    <message>
        <source>Choose the problem to resolve.</source>
        <translation>请选择要处理的问题。</translation>
    </message>
    <message>
        <source>A manager enters their user name and PIN.</source>
        <translation>请经理输入用户名和 PIN。</translation>
    </message>
    <message>
        <source>Write a note: how was it resolved?</source>
        <translation>请填写备注:问题是如何处理的?</translation>
    </message>
    <message>
        <source>Wrong user name or PIN. Try again.</source>
        <translation>用户名或 PIN 错误。请重试。</translation>
    </message>
    <message>
        <source>Wrong user name or PIN, or too many wrong PINs. Try again later or ask an administrator.</source>
        <translation>用户名或密码错误,或错误次数过多。请稍后再试或联系管理员。</translation>
    </message>
    <message>
        <source>Syncing… {n} waiting</source>
        <translation>正在同步… {n} 条待同步</translation>
    </message>
    <message>
        <source>Sync failed · {n} waiting</source>
        <translation>同步失败 · {n} 条待同步</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>not configured</source>
        <translation>未配置</translation>
    </message>
    <message>
        <source>not scheduled</source>
        <translation>未安排</translation>
    </message>
    <message>
        <source>Sync done: {sent} sent, {rejected} rejected, {pulled} received.</source>
        <translation>同步完成:已发送 {sent} 条,被拒绝 {rejected} 条,已接收 {pulled} 条。</translation>
    </message>
    <message>
        <source>Rejected messages are listed below: a manager resolves them.</source>
        <translation>被拒绝的消息列在下方,由经理处理。</translation>
    </message>
    <message>
        <source>Sync failed: {error} The messages stay waiting and are sent next time.</source>
        <translation>同步失败:{error} 消息将继续等待,下次同步时发送。</translation>
    </message>
    <message>
        <source>Problem {id} resolved.</source>
        <translation>问题 {id} 已处理。</translation>
    </message>
    <message>
        <source>Only a manager can resolve a sync problem.</source>
        <translation>只有经理可以处理同步问题。</translation>
    </message>
    <message>
        <source>{n} to resolve</source>
        <translation>{n} 个待处理</translation>
    </message>
    <message>
        <source>Last sync failed: {error}</source>
        <translation>上次同步失败:{error}</translation>
    </message>
    <message>
        <source>Next automatic sync: {when}</source>
        <translation>下次自动同步:{when}</translation>
    </message>
    <message>
        <source>This problem was already resolved.</source>
        <translation>此问题已被处理。</translation>
    </message>
    <message>
        <source>The database cannot be reached. Nothing was resolved; try again.</source>
        <translation>无法连接数据库。未处理任何问题,请重试。</translation>
    </message>
</context>
<context>
    <name>CameraTestDialog</name>
    <message>
        <source>Camera test</source>
        <translation>摄像头测试</translation>
    </message>
    <message>
        <source>Camera: {source}. Hold a barcode in front of it; the code it reads appears below.</source>
        <translation>摄像头:{source}。把条码放在摄像头前,读到的号码显示在下方。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Last code</source>
        <translation>最近读到</translation>
    </message>
    <message>
        <source>No camera set (type 0 for the first webcam).</source>
        <translation>未设置摄像头(第一个摄像头请填 0)。</translation>
    </message>
    <message>
        <source>No picture — retrying. Check the cable or the camera number.</source>
        <translation>没有画面,正在重试。请检查连接线或摄像头编号。</translation>
    </message>
    <message>
        <source>Picture OK</source>
        <translation>画面正常</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>{fps:.1f} frames per second</source>
        <translation>每秒 {fps:.1f} 帧</translation>
    </message>
</context>
<context>
    <name>CameraWidget</name>
    <message>
        <source>Camera lost — retrying… Type the number or use the handheld scanner meanwhile.</source>
        <translation>摄像头断开,正在重试… 请暂时手动输入号码或使用手持扫描枪。</translation>
    </message>
    <message>
        <source>Camera off</source>
        <translation>摄像头已关闭</translation>
    </message>
    <message>
        <source>Hold the barcode in front of the camera</source>
        <translation>把条码放在摄像头前</translation>
    </message>
    <message>
        <source>No camera picture. Type the number or use the handheld scanner.</source>
        <translation>摄像头没有画面。请手动输入号码或使用手持扫描枪。</translation>
    </message>
    <message>
        <source>No camera set up. Type the number or use the handheld scanner.</source>
        <translation>未设置摄像头。请手动输入号码或使用手持扫描枪。</translation>
    </message>
    <message>
        <source>Starting the camera…</source>
        <translation>正在启动摄像头…</translation>
    </message>
    <message>
        <source>No camera is connected. Type the number or use the handheld scanner.</source>
        <translation>未连接摄像头。请手动输入号码或使用手持扫描枪。</translation>
    </message>
</context>
<context>
    <name>ExchangePanel</name>
    <message>
        <source>&amp;Approval code</source>
        <translation>授权码(&amp;A)</translation>
    </message>
    <message>
        <source>Bac&amp;k to the return</source>
        <translation>返回退货(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;Brand</source>
        <translation>卡组织(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Last 4</source>
        <translation>末四位(&amp;L)</translation>
    </message>
    <message>
        <source>4  Exchange: what the customer takes</source>
        <translation>4  换货：顾客换走的商品</translation>
    </message>
    <message>
        <source>4 digits</source>
        <translation>4 位数字</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>An exchange takes at most {n} items.</source>
        <translation>一次换货最多 {n} 件商品。</translation>
    </message>
    <message>
        <source>Card, on the store&apos;s terminal</source>
        <translation>银行卡（门店刷卡机）</translation>
    </message>
    <message>
        <source>Cash, into the drawer</source>
        <translation>现金（放入钱箱）</translation>
    </message>
    <message>
        <source>Choose the items the customer takes instead (F9)</source>
        <translation>选择顾客换走的商品（F9）</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Confirm and print the receipt (F9 or Ctrl+Enter)</source>
        <translation>确认并打印小票（F9 或 Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Confirm exchange</source>
        <translation>确认换货</translation>
    </message>
    <message>
        <source>Customer &amp;pays by</source>
        <translation>顾客付款方式(&amp;P)</translation>
    </message>
    <message>
        <source>Customer pays {amount}</source>
        <translation>顾客需补 {amount}</translation>
    </message>
    <message>
        <source>Delete takes the selected item out of the exchange</source>
        <translation>按 Delete 从换货中移除所选商品</translation>
    </message>
    <message>
        <source>Enter exactly the last 4 digits of the card.</source>
        <translation>请输入银行卡号的末四位数字。</translation>
    </message>
    <message>
        <source>Enter takes the selected variant</source>
        <translation>按 Enter 换取所选款式</translation>
    </message>
    <message>
        <source>Enter the terminal&apos;s approval code (4 to 12 letters or digits).</source>
        <translation>请输入刷卡机小票上的授权码（4 到 12 位字母或数字）。</translation>
    </message>
    <message>
        <source>Even exchange: nothing changes hands.</source>
        <translation>等价换货：无需收付款。</translation>
    </message>
    <message>
        <source>Even: nothing changed hands.</source>
        <translation>等价换货，未收付款。</translation>
    </message>
    <message>
        <source>Exchange {ref} confirmed: sale {number}.</source>
        <translation>换货 {ref} 已确认：换货销售单 {number}。</translation>
    </message>
    <message>
        <source>Exchange: what does the customer take?</source>
        <translation>换货：顾客换走什么？</translation>
    </message>
    <message>
        <source>Go back to the return: it cannot be confirmed yet.</source>
        <translation>请返回退货：退货尚不能确认。</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Never type the full card number: enter only its last 4 digits. What was typed has been cleared and is not kept.</source>
        <translation>切勿输入完整卡号：只输入末四位。刚才输入的内容已清除，不会保存。</translation>
    </message>
    <message>
        <source>No product with the barcode {code} in this store.</source>
        <translation>本店没有条码为 {code} 的商品。</translation>
    </message>
    <message>
        <source>Nothing was scanned. Scan the barcode or type it.</source>
        <translation>未扫描到内容。请扫描条码或手动输入。</translation>
    </message>
    <message>
        <source>On hand</source>
        <translation>库存</translation>
    </message>
    <message>
        <source>On the slip</source>
        <translation>见小票</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Other sizes and colours of the returned items (arrows, then Enter to take one):</source>
        <translation>退回商品的其他尺码和颜色（用方向键选择，按 Enter 换取）：</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Refund the &amp;difference to</source>
        <translation>差额退至(&amp;D)</translation>
    </message>
    <message>
        <source>Refund to customer {amount}</source>
        <translation>退还顾客 {amount}</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>退回</translation>
    </message>
    <message>
        <source>Scan at least one item the customer takes instead.</source>
        <translation>请至少扫描一件顾客换走的商品。</translation>
    </message>
    <message>
        <source>Scan or type the barcode, then press Enter</source>
        <translation>扫描或输入条码，然后按 Enter</translation>
    </message>
    <message>
        <source>Scan what the customer takes instead.</source>
        <translation>请扫描顾客换走的商品。</translation>
    </message>
    <message>
        <source>The handheld scanner works anywhere on this page. The camera is not used here: it sees the returned item.</source>
        <translation>在本页任何位置都可以用手持扫描枪扫描。这里不使用摄像头：它会看到退回的商品。</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>尺码</translation>
    </message>
    <message>
        <source>Taken instead</source>
        <translation>换走</translation>
    </message>
    <message>
        <source>Takes instead</source>
        <translation>换走的商品</translation>
    </message>
    <message>
        <source>The customer paid {amount} by card.</source>
        <translation>顾客已刷卡补付 {amount}。</translation>
    </message>
    <message>
        <source>The customer paid {amount} in cash.</source>
        <translation>顾客已用现金补付 {amount}。</translation>
    </message>
    <message>
        <source>These items allow no tender for the difference: refund them instead.</source>
        <translation>这些商品的差额无法退款：请改为退款。</translation>
    </message>
    <message>
        <source>This product has no barcode: scan the item itself.</source>
        <translation>该商品没有条码：请扫描商品本身。</translation>
    </message>
    <message>
        <source>Unit price</source>
        <translation>单价</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>{amount} refunded to {tender}.</source>
        <translation>已退还 {amount} 至{tender}。</translation>
    </message>
    <message>
        <source>{name} is a gift card: gift cards are not given in exchange.</source>
        <translation>{name} 是礼品卡：礼品卡不能用于换货。</translation>
    </message>
    <message>
        <source>{name}: only {left} on the sellable shelf, not {n}.</source>
        <translation>{name}：可售库存只有 {left} 件，不够 {n} 件。</translation>
    </message>
    <message>
        <source>{price} (as paid, line {line})</source>
        <translation>{price}（按第 {line} 行实付价）</translation>
    </message>
</context>
<context>
    <name>Photo</name>
    <message>
        <source>No photo</source>
        <translation>无照片</translation>
    </message>
    <message>
        <source>Photo saved for line {n}.</source>
        <translation>第 {n} 行的照片已保存。</translation>
    </message>
    <message>
        <source>Photograph the item's condition with the counter camera ({key})</source>
        <translation>用柜台摄像头拍下商品状况({key})</translation>
    </message>
    <message>
        <source>Pick a line of the return first, then take its photo.</source>
        <translation>请先选择退货中的一行,再拍照。</translation>
    </message>
    <message>
        <source>Take photo</source>
        <translation>拍照</translation>
    </message>
    <message>
        <source>The camera has no picture yet. Check the camera (Settings → Test camera), then press Take photo again.</source>
        <translation>摄像头还没有画面。请检查摄像头(设置 → 测试摄像头),然后再按“拍照”。</translation>
    </message>
    <message>
        <source>The photo could not be saved: {error}</source>
        <translation>照片无法保存:{error}</translation>
    </message>
    <message>
        <source>No camera is connected, so no photo can be taken. Note the condition in the notes instead.</source>
        <translation>未连接摄像头,无法拍照。请改在备注中记录商品状况。</translation>
    </message>
</context>
<context>
    <name>Manager</name>
    <message>
        <source>No head office is configured for this store: its returns stay on this counter until support sets one up.</source>
        <translation>本店尚未配置总部:退货记录会保存在本收银台,直到技术支持完成设置。</translation>
    </message>
    <message>
        <source>no head office configured</source>
        <translation>未配置总部</translation>
    </message>
    <message>
        <source>{count} message(s) have not reached head office yet: run a sync (Sync now) before closing, or make sure tonight&apos;s sync runs.</source>
        <translation>还有 {count} 条消息尚未送达总部:请在日结前同步(立即同步),或确保今晚的同步能够运行。</translation>
    </message>
    <message>
        <source>{count} print job(s) are not printed ({failed} failed): check the printer and reprint what is missing.</source>
        <translation>有 {count} 个打印任务尚未打印(其中 {failed} 个失败):请检查打印机并补打缺少的单据。</translation>
    </message>
    <message>
        <source>{count} customer e-mail(s) could not be sent: check the mail settings and retry them.</source>
        <translation>有 {count} 封顾客邮件未能发送:请检查邮件设置后重试。</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>Restocked</source>
        <translation>重新上架</translation>
    </message>
    <message>
        <source>Open box</source>
        <translation>开箱品</translation>
    </message>
    <message>
        <source>Return to vendor</source>
        <translation>退回供应商</translation>
    </message>
    <message>
        <source>Scrap</source>
        <translation>报废</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>报表</translation>
    </message>
    <message>
        <source>Chosen days</source>
        <translation>自选日期</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>最近 30 天</translation>
    </message>
    <message>
        <source>Last 90 days</source>
        <translation>最近 90 天</translation>
    </message>
    <message>
        <source>Last 12 months</source>
        <translation>最近 12 个月</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>查看</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>期间</translation>
    </message>
    <message>
        <source>from</source>
        <translation>从</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>The report could not be made: {error}</source>
        <translation>无法生成报表：{error}</translation>
    </message>
    <message>
        <source>nothing in this period</source>
        <translation>此期间没有数据</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>导出 CSV</translation>
    </message>
    <message>
        <source>The file could not be written: {error}</source>
        <translation>文件无法写入：{error}</translation>
    </message>
    <message>
        <source>Exported to {path}</source>
        <translation>已导出到 {path}</translation>
    </message>
    <message>
        <source>Returns by reason</source>
        <translation>按原因统计退货</translation>
    </message>
    <message>
        <source>Returns by category</source>
        <translation>按品类统计退货</translation>
    </message>
    <message>
        <source>Returns by product</source>
        <translation>按商品统计退货</translation>
    </message>
    <message>
        <source>Returns by cashier</source>
        <translation>按收银员统计退货</translation>
    </message>
    <message>
        <source>Returns by day</source>
        <translation>按日统计退货</translation>
    </message>
    <message>
        <source>Return rate by product</source>
        <translation>按商品统计退货率</translation>
    </message>
    <message>
        <source>Return rate by category</source>
        <translation>按品类统计退货率</translation>
    </message>
    <message>
        <source>Reason vs condition</source>
        <translation>退货原因与商品状况对比</translation>
    </message>
    <message>
        <source>Overrides by manager</source>
        <translation>按经理统计特批</translation>
    </message>
    <message>
        <source>Overrides by rule</source>
        <translation>按规则统计特批</translation>
    </message>
    <message>
        <source>Frequent returners</source>
        <translation>频繁退货顾客</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>品类</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>状况</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>顾客</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Feedback given</source>
        <translation>反馈条数</translation>
    </message>
    <message>
        <source>Fees</source>
        <translation>手续费</translation>
    </message>
    <message>
        <source>Its units</source>
        <translation>该商品件数</translation>
    </message>
    <message>
        <source>Latest feedback</source>
        <translation>最新反馈</translation>
    </message>
    <message>
        <source>Leading product</source>
        <translation>退货最多的商品</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>经理</translation>
    </message>
    <message>
        <source>Mismatch</source>
        <translation>不符</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Over the limit</source>
        <translation>超出上限</translation>
    </message>
    <message>
        <source>Overrides</source>
        <translation>特批次数</translation>
    </message>
    <message>
        <source>Product</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Reason / condition</source>
        <translation>原因 / 状况</translation>
    </message>
    <message>
        <source>Reason code</source>
        <translation>原因代码</translation>
    </message>
    <message>
        <source>Refund value</source>
        <translation>退款金额</translation>
    </message>
    <message>
        <source>Return rate</source>
        <translation>退货率</translation>
    </message>
    <message>
        <source>Returned</source>
        <translation>已退</translation>
    </message>
    <message>
        <source>Returns</source>
        <translation>退货笔数</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>规则</translation>
    </message>
    <message>
        <source>SKU</source>
        <translation>货号</translation>
    </message>
    <message>
        <source>Sold</source>
        <translation>售出</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>件数</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Close the day</source>
        <translation>日结</translation>
    </message>
    <message>
        <source>Counter {counter} · business day</source>
        <translation>柜台 {counter} · 营业日</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Print the Z-report</source>
        <translation>打印 Z 报表</translation>
    </message>
    <message>
        <source>Close day</source>
        <translation>确认日结</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>A manager must enter their name and PIN to close.</source>
        <translation>日结须由经理输入用户名和密码。</translation>
    </message>
    <message>
        <source>Day closed by {name}.</source>
        <translation>已由 {name} 完成日结。</translation>
    </message>
    <message>
        <source>The Z-report did not print: {reason}</source>
        <translation>Z 报表未能打印：{reason}</translation>
    </message>
    <message>
        <source>Mind the warnings below.</source>
        <translation>请留意下方的提醒。</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>{n} units</source>
        <translation>{n} 件</translation>
    </message>
    <message>
        <source>Refunds</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>Cash paid out</source>
        <translation>现金付出</translation>
    </message>
    <message>
        <source>Cash taken in (exchanges)</source>
        <translation>现金收入（换货补差）</translation>
    </message>
    <message>
        <source>Restocking fees kept</source>
        <translation>已收重新上架手续费</translation>
    </message>
    <message>
        <source>Store credit issued</source>
        <translation>已发放店内余额</translation>
    </message>
    <message>
        <source>Manager overrides</source>
        <translation>经理特批</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Messages waiting to sync</source>
        <translation>待同步消息</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>上次同步</translation>
    </message>
    <message>
        <source>Print jobs failed / waiting</source>
        <translation>打印任务：失败 / 等待中</translation>
    </message>
    <message>
        <source>Customer e-mails failed / waiting</source>
        <translation>顾客邮件：失败 / 等待中</translation>
    </message>
    <message>
        <source>Closed by</source>
        <translation>日结人</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>银行卡</translation>
    </message>
    <message>
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <source>Store credit</source>
        <translation>店内余额</translation>
    </message>
    <message>
        <source>Gift card</source>
        <translation>礼品卡</translation>
    </message>
    <message>
        <source>Exchange</source>
        <translation>换货</translation>
    </message>
    <message>
        <source>Customer e-mails</source>
        <translation>顾客电子邮件</translation>
    </message>
    <message>
        <source>Send again</source>
        <translation>重新发送</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>排队时间</translation>
    </message>
    <message>
        <source>Return</source>
        <translation>退货单</translation>
    </message>
    <message>
        <source>To</source>
        <translation>收件人</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Tries</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Next try</source>
        <translation>下次尝试</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>sent</source>
        <translation>已发送</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>{n} e-mail(s) could not be sent. Check the mail settings, then send them again.</source>
        <translation>{n} 封邮件无法发送。请检查邮件设置，然后重新发送。</translation>
    </message>
    <message>
        <source>Select an e-mail first.</source>
        <translation>请先选择一封邮件。</translation>
    </message>
    <message>
        <source>Returned stock</source>
        <translation>退货库存</translation>
    </message>
    <message>
        <source>On hand</source>
        <translation>现有库存</translation>
    </message>
    <message>
        <source>Received from returns</source>
        <translation>退货入库记录</translation>
    </message>
    <message>
        <source>Reprint label</source>
        <translation>重新打印标签</translation>
    </message>
    <message>
        <source>Export vendor list…</source>
        <translation>导出供应商清单…</translation>
    </message>
    <message>
        <source>Vendor</source>
        <translation>供应商</translation>
    </message>
    <message>
        <source>Reason (required)</source>
        <translation>原因（必填）</translation>
    </message>
    <message>
        <source>Move</source>
        <translation>转移</translation>
    </message>
    <message>
        <source>Move selected to</source>
        <translation>将所选转移到</translation>
    </message>
    <message>
        <source>All vendors</source>
        <translation>全部供应商</translation>
    </message>
    <message>
        <source>(no vendor)</source>
        <translation>（无供应商）</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>入库时间</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>New SKU</source>
        <translation>新货号</translation>
    </message>
    <message>
        <source>Was</source>
        <translation>原货号</translation>
    </message>
    <message>
        <source>Only a manager can do this.</source>
        <translation>只有经理可以执行此操作。</translation>
    </message>
    <message>
        <source>Select a line to move first.</source>
        <translation>请先选择要转移的行。</translation>
    </message>
    <message>
        <source>Moved {qty} × {sku} from {source} to {target}.</source>
        <translation>已将 {qty} × {sku} 从{source}转移到{target}。</translation>
    </message>
    <message>
        <source>Select an open-box item first.</source>
        <translation>请先选择一件开箱品。</translation>
    </message>
    <message>
        <source>The shelf label is in the print queue.</source>
        <translation>货架标签已加入打印队列。</translation>
    </message>
    <message>
        <source>Export vendor list</source>
        <translation>导出供应商清单</translation>
    </message>
</context>
</TS>
